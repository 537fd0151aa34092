import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '@toolgate/core/clock';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public half as published in the JWKS (`kid`, `alg`, `use` set). */
  publicJwk: JWK;
  publicKeyPem: string;
}

const PRIVATE_KEY_FILE = 'dev-issuer-private.pem';

async function readPrivateKey(path: string): Promise<KeyObject | null> {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Creates the key once and publishes it atomically (write a temp file, then hard-link it into place), so that
 * test files starting runtimes in parallel all end up with the same key instead of overwriting each other's.
 */
async function createPrivateKeyFile(dir: string, path: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const temporary = join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.${systemClock()}`);
  await writeFile(temporary, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Loads the dev issuer's RSA key from `dir`, creating it (private key mode 0600) on first use. */
export async function loadOrCreateSigningKey(dir: string): Promise<SigningKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, PRIVATE_KEY_FILE);
  let privateKey = await readPrivateKey(path);
  if (!privateKey) {
    await createPrivateKeyFile(dir, path);
    privateKey = await readPrivateKey(path);
    if (!privateKey) throw new Error(`Could not create the dev issuer key in ${dir}`);
  }
  // A key copied in by hand may carry looser permissions; the private key stays owner-only.
  await chmod(path, 0o600);
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
