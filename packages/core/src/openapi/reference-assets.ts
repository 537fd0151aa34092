/**
 * The files `GET /docs/assets/{asset}` serves (the self-hosted API reference page): declared here, beside the route
 * docs, so the OpenAPI document and the handler share one list.
 */
export const REFERENCE_ASSETS = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'reference.js': 'text/javascript; charset=utf-8',
} as const;

export type ReferenceAsset = keyof typeof REFERENCE_ASSETS;

export const REFERENCE_ASSET_NAMES = Object.keys(REFERENCE_ASSETS) as [ReferenceAsset, ...ReferenceAsset[]];

export const isReferenceAsset = (name: string): name is ReferenceAsset => Object.hasOwn(REFERENCE_ASSETS, name);
