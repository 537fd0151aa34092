import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { REFERENCE_ASSETS, type ReferenceAsset } from '@toolgate/core/openapi/reference-assets';

/**
 * The API reference page, fully self-hosted: Swagger UI from the pinned `swagger-ui-dist` package (exact version in
 * packages/functions/package.json), served by the public tier itself. Nothing is fetched from a CDN, so `/docs`
 * works offline and no third-party release can ever run on the API's origin; the Content-Security-Policy below
 * allows scripts from this origin only.
 *
 * Assets load on first request (dynamic import): the public tier's cold start, paid by every catalog request,
 * never parses 1.7 MB of JavaScript. In a deployed bundle esbuild turns the `type: 'text'` imports into lazily
 * loaded chunks; run from source (tsx, vitest) Node cannot import text, so the files are read from node_modules.
 */

export const SWAGGER_UI_VERSION = '5.35.0';

/** Only this origin's scripts and styles; Swagger UI sets inline `style` attributes, hence `'unsafe-inline'` there. */
export const REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const assetUrl = (asset: ReferenceAsset) => `/docs/assets/${asset}?v=${SWAGGER_UI_VERSION}`;

/** The page: no inline script (the CSP forbids it); `reference.js` starts Swagger UI on `/openapi.json`. */
export function referencePage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="${assetUrl('swagger-ui.css')}">
</head>
<body>
<div id="reference"></div>
<script src="${assetUrl('swagger-ui-bundle.js')}"></script>
<script src="${assetUrl('reference.js')}"></script>
</body>
</html>
`;
}

/** Starts Swagger UI; served as a file so the page needs no inline script. */
const REFERENCE_JS = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
  // No call to validator.swagger.io: the page talks to this origin only.
  validatorUrl: null,
});
`;

const bundled = !import.meta.url.endsWith('.ts');

async function fromPackage(file: string): Promise<string> {
  const path = createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`);
  return readFile(path, 'utf8');
}

async function source(asset: ReferenceAsset): Promise<string> {
  if (asset === 'reference.js') return REFERENCE_JS;
  if (!bundled) return fromPackage(asset);
  // Literal specifiers, so esbuild can bundle each file as a text chunk of its own.
  const module =
    asset === 'swagger-ui-bundle.js'
      ? await import('swagger-ui-dist/swagger-ui-bundle.js', { with: { type: 'text' } })
      : await import('swagger-ui-dist/swagger-ui.css', { with: { type: 'text' } });
  return module.default as string;
}

export interface EncodedAsset {
  contentType: string;
  /** gzip: the bundle is 1.7 MB as text, ~0.5 MB compressed, under Lambda's 6 MB response limit either way. */
  gzip: Uint8Array<ArrayBuffer>;
  identity: string;
}

const cache = new Map<ReferenceAsset, Promise<EncodedAsset>>();

/** Loaded and compressed once per instance; a failed load is not cached. */
export function referenceAsset(asset: ReferenceAsset): Promise<EncodedAsset> {
  let entry = cache.get(asset);
  if (!entry) {
    entry = source(asset).then((text) => ({
      contentType: REFERENCE_ASSETS[asset],
      gzip: Uint8Array.from(gzipSync(text)),
      identity: text,
    }));
    entry.catch(() => cache.delete(asset));
    cache.set(asset, entry);
  }
  return entry;
}
