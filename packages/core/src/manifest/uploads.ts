import { scope } from '../scopes';
import type { RouteSpec } from './types';

/**
 * Upload and document routes. The file itself never crosses the gateway: `POST /uploads` returns a presigned POST
 * for S3, and `complete` checks what arrived there before the ingestion workflow starts.
 */
export const uploadRoutes = {
  uploadCreate: {
    method: 'POST',
    path: '/uploads',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('documents')] },
    rateClass: 'standard',
    summary: 'Declare a file (name, type, size) and get a presigned POST to upload it straight to S3',
  },
  uploadComplete: {
    method: 'POST',
    path: '/uploads/{id}/complete',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('documents')] },
    // It starts the ingestion, whose summary is a model call (charged to the monthly tokens): the class of the
    // routes that start model calls, not `standard`.
    rateClass: 'chat',
    summary: 'Confirm an upload: the object is checked against its declaration and the ingestion workflow starts',
  },
  uploadGet: {
    method: 'GET',
    path: '/uploads/{id}',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('documents')] },
    rateClass: 'standard',
    summary: "One of the caller's uploads: status, summary once ready, reason when failed",
  },
  documentsList: {
    method: 'GET',
    path: '/documents',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('documents')] },
    rateClass: 'standard',
    summary: "The caller's ready documents, newest first, paginated",
  },
} as const satisfies Record<string, RouteSpec>;
