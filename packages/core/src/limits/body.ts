/**
 * The cap on a JSON request body a function reads (`readJsonBody`), far under the gateway's 10 MB: JSON bodies here
 * are small, and anything big belongs in an upload. The OpenAPI document states it on each route that reads one.
 */
export const MAX_JSON_BODY_BYTES = 64 * 1024;
