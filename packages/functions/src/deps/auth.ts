import { createAccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { config } from './base';

export const verifier = createAccessTokenVerifier(config.auth);
