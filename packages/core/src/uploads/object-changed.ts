/**
 * The object is no longer the version a read was pinned to (`ifMatch`): someone wrote the key since. In a module of
 * its own, without the S3 client, so that the ingestion steps can tell it apart without loading the SDK at init.
 */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError';
}
