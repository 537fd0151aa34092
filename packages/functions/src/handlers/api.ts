import { handle } from 'hono/aws-lambda';
import { createApiApp } from '../apps/api';
import { users, verifier } from '../context';

export const handler = handle(createApiApp({ verifier, users }));
