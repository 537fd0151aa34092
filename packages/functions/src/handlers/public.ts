import { handle } from 'hono/aws-lambda';
import { createPublicApp } from '../apps/public';
import { catalog } from '../context';

export const handler = handle(createPublicApp({ catalog }));
