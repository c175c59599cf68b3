/**
 * The key store file: the gateway's HPKE private keys (RFC 9458 3.1 key configurations) as JSON.
 *
 * - Written atomically (a temporary file in the same directory, fsync, rename) with mode 0600, so
 *   that a reader (the gateway on SIGHUP) never sees half a file and no other user can read keys.
 * - `tacit keygen` extends an existing store; a file that is not a tacit key store is never
 *   overwritten (it might be someone's data).
 * - A key may carry `retireAt`: it still decrypts until then but is no longer published. Entries
 *   whose `retireAt` has passed are dropped the next time the store is written.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { invalidArgument, malformed, TacitError } from '../../shared/errors.ts';
import { AEAD, KDF, KEM, type KemId } from '../../shared/hpke/index.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import {
  DEFAULT_SUITES,
  generateOhttpKey,
  type OhttpKey,
  type OhttpKeyJson,
  ohttpKeyFromJson,
  ohttpKeyToJson,
} from '../../shared/keys/index.ts';

export const STORE_FORMAT = 'tacit-ohttp-keys';
export const STORE_VERSION = 1;

/** shared/keys' JSON form of a key (key id, KEM, suites, base64 key bytes) plus its lifecycle. */
export interface StoredKey extends OhttpKeyJson {
  createdAt: string;
  /** After this instant the key neither is published nor decrypts. */
  retireAt?: string;
}

export interface KeyStore {
  format: typeof STORE_FORMAT;
  version: typeof STORE_VERSION;
  keys: StoredKey[];
}

export const KEM_NAMES: Record<string, number> = {
  x25519: KEM.X25519_HKDF_SHA256,
  p256: KEM.P256_HKDF_SHA256,
  p384: KEM.P384_HKDF_SHA384,
};
export const AEAD_NAMES: Record<string, number> = {
  aes128gcm: AEAD.AES_128_GCM,
  aes256gcm: AEAD.AES_256_GCM,
  chacha20poly1305: AEAD.CHACHA20_POLY1305,
};

export function emptyStore(): KeyStore {
  return { format: STORE_FORMAT, version: STORE_VERSION, keys: [] };
}

/** Validates a parsed store strictly; anything unexpected is ERR_MALFORMED (never half-trusted). */
export function parseStore(text: string): KeyStore {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('key store (not JSON)');
  }
  const d = doc as Partial<KeyStore> | null;
  if (d === null || typeof d !== 'object' || d.format !== STORE_FORMAT)
    throw malformed('key store (not a tacit key store)');
  if (d.version !== STORE_VERSION)
    throw new TacitError('ERR_UNSUPPORTED', `key store version ${String(d.version)}`);
  if (!Array.isArray(d.keys)) throw malformed('key store (keys)');
  const seen = new Set<number>();
  for (const k of d.keys as StoredKey[]) {
    try {
      ohttpKeyFromJson(k);
    } catch {
      throw malformed('key store entry');
    }
    const ok =
      typeof k.createdAt === 'string' && (k.retireAt === undefined || !Number.isNaN(Date.parse(k.retireAt)));
    if (!ok) throw malformed('key store entry');
    if (seen.has(k.keyId)) throw malformed(`key store (key id ${k.keyId} twice)`);
    seen.add(k.keyId);
  }
  return { format: STORE_FORMAT, version: STORE_VERSION, keys: d.keys as StoredKey[] };
}

/** Reads a store; a missing file is an empty store only when `allowMissing`. */
export function readStore(path: string, allowMissing = false): KeyStore {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (allowMissing && (err as NodeJS.ErrnoException).code === 'ENOENT') return emptyStore();
    throw new TacitError('ERR_INVALID_ARGUMENT', `cannot read key store ${path}`, { cause: err });
  }
  return parseStore(text);
}

/** Writes atomically with mode 0600 (see the file comment). */
export function writeStore(path: string, store: KeyStore): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(store, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Lowest key id not held by any key in `held`, searching upward from `after + 1` (wrapping). */
export function freeKeyId(held: Iterable<number>, after = -1): number {
  const used = new Set(held);
  for (let i = 1; i <= 256; i++) {
    const id = (after + i + 256) % 256;
    if (!used.has(id)) return id;
  }
  throw invalidArgument('all 256 key ids are in use');
}

/**
 * A fresh key on the node:crypto backend. Without `aead` the configuration offers every AEAD
 * (shared/keys DEFAULT_SUITES, the mandatory suite first); with it, only that one.
 */
export async function generateKey(opts: {
  keyId: number;
  kem?: number;
  aead?: number;
  now?: Date;
}): Promise<StoredKey> {
  const suites =
    opts.aead === undefined ? DEFAULT_SUITES : [{ kdfId: KDF.HKDF_SHA256, aeadId: opts.aead as 1 }];
  const key = await generateOhttpKey(
    { keyId: opts.keyId, kemId: (opts.kem ?? KEM.X25519_HKDF_SHA256) as KemId, suites },
    nodePrimitives,
  );
  return { ...ohttpKeyToJson(key), createdAt: (opts.now ?? new Date()).toISOString() };
}

/** Writes a new store at `path` with a fresh default key per id (`tacit start`, tests, benches). */
export async function writeFreshStore(path: string, keyIds: readonly number[] = [1]): Promise<void> {
  const store = emptyStore();
  for (const keyId of keyIds) store.keys.push(await generateKey({ keyId }));
  writeStore(path, store);
}

export function toOhttpKey(k: StoredKey): OhttpKey {
  return ohttpKeyFromJson(k);
}
