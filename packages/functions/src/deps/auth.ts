import { AUTH_SECTION } from '@toolgate/core/auth/config';
import { createAccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { readSection } from './base';

export const verifier = createAccessTokenVerifier(readSection(AUTH_SECTION));
