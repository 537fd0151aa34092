import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument, renderOpenApiJson } from './document';

const jsonUrl = new URL('./openapi.json', import.meta.url);
await writeFile(jsonUrl, renderOpenApiJson(buildOpenApiDocument()));
process.stderr.write('packages/functions/src/openapi/openapi.json regenerated from the manifest\n');
