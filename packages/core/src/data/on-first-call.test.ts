import { describe, expect, it } from 'vitest';
import { loadOnce, onFirstCall } from './on-first-call';

interface Store {
  readonly bucket: string;
  put(key: string, value: string): Promise<string>;
  size(): Promise<number>;
}

function storeLoader() {
  const calls = { loads: 0 };
  const load = async (): Promise<Store> => {
    calls.loads++;
    const entries = new Map<string, string>();
    const port: Store = {
      bucket: 'loaded',
      async put(key, value) {
        entries.set(key, value);
        // `this` is the loaded port, as for a direct call.
        return `${key}=${value} in ${this.bucket}`;
      },
      async size() {
        return entries.size;
      },
    };
    return port;
  };
  return { calls, load };
}

describe('onFirstCall', () => {
  it('loads nothing until a method is called, then loads once for every later and concurrent call', async () => {
    const { calls, load } = storeLoader();
    const store = onFirstCall<Store>(load, { bucket: 'uploads' });
    expect(store.bucket).toBe('uploads');
    expect(calls.loads).toBe(0);

    const [first, second] = await Promise.all([store.put('a', '1'), store.put('b', '2')]);
    expect([first, second]).toEqual(['a=1 in loaded', 'b=2 in loaded']);
    expect(await store.size()).toBe(2);
    expect(calls.loads).toBe(1);
  });

  it('retries a load that failed instead of keeping the failure', async () => {
    let attempts = 0;
    const store = onFirstCall<Store>(
      async () => {
        attempts++;
        if (attempts === 1) throw new Error('chunk not found');
        return storeLoader().load();
      },
      { bucket: 'uploads' },
    );

    await expect(store.size()).rejects.toThrow('chunk not found');
    expect(await store.size()).toBe(0);
    expect(attempts).toBe(2);
  });

  it('is not a thenable: awaiting the port gives the port without loading it', async () => {
    const { calls, load } = storeLoader();
    const store = onFirstCall<Store>(load, { bucket: 'uploads' });
    expect(await store).toBe(store);
    expect(calls.loads).toBe(0);
  });

  it('rejects a call to a method the loaded port does not have', async () => {
    const store = onFirstCall<Store>(async () => ({ bucket: 'x' }) as unknown as Store, { bucket: 'x' });
    await expect(store.size()).rejects.toThrow(/no method size/);
  });

  it('accepts only ports whose methods return promises (checked by the compiler)', () => {
    interface SyncPort {
      now(): number;
    }
    // @ts-expect-error a synchronous method cannot wait for its implementation to load
    const port = () => onFirstCall<SyncPort>(async () => ({ now: () => 1 }), {});
    expect(port).toBeTypeOf('function');
  });
});

describe('loadOnce', () => {
  it('shares one result and retries after a failure', async () => {
    let attempts = 0;
    const client = loadOnce(async () => {
      attempts++;
      if (attempts === 1) throw new Error('boom');
      return { id: attempts };
    });
    await expect(client()).rejects.toThrow('boom');
    const [a, b] = await Promise.all([client(), client()]);
    expect(a).toBe(b);
    expect(a).toEqual({ id: 2 });
    expect(attempts).toBe(2);
  });
});
