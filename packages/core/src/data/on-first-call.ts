/** The keys of `T` whose values are functions. */
type MethodKeys<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/** A port that can be loaded on first call: every method returns a promise (its callers await it anyway). */
type AsyncPort<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown
    ? T[K] extends (...args: never[]) => Promise<unknown>
      ? T[K]
      : never
    : T[K];
};

/**
 * `load` run once, on the first call, its result shared by every later call (concurrent first calls included). A
 * failure is not kept: the next call tries again, as a cold start would have.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/**
 * A port whose adapter module, and the AWS SDK client behind it, is imported on its first method call instead of
 * at init. With code splitting, `load`'s dynamic `import()` keeps that code out of what a cold start parses: the api
 * tier answers `GET /me` without ever loading the S3, SQS, Step Functions or Bedrock clients. The first call pays
 * the import once per instance; a failed import is retried by the next call rather than cached.
 *
 * `fields` are the port's plain values (a bucket name, a model id), known without loading anything. Every method
 * must return a promise, which the type enforces: a synchronous method could not wait for the import.
 */
export function onFirstCall<T extends AsyncPort<T>>(load: () => Promise<T>, fields: Omit<T, MethodKeys<T>>): T {
  const port = loadOnce(load);
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(fields as T, {
    get(target, name, receiver) {
      if (typeof name === 'symbol' || name in target) return Reflect.get(target, name, receiver);
      // Never a thenable: `await port` must give the port, not wait on a forwarded `then`.
      if (name === 'then') return undefined;
      let method = methods.get(name);
      if (!method) {
        method = async (...args: unknown[]) => {
          const loaded = (await port()) as Record<string, unknown>;
          const implementation = loaded[name];
          if (typeof implementation !== 'function') throw new TypeError(`onFirstCall: the port has no method ${name}`);
          return implementation.apply(loaded, args);
        };
        methods.set(name, method);
      }
      return method;
    },
  });
}
