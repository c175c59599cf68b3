/**
 * Gateway key pairs: generation, a JSON form for a key store file, and import into an HPKE backend.
 *
 *   OhttpKey      { config, privateKey }            bytes; what a key store holds
 *   OhttpKeyJson  { keyId, kem, suites, privateKey, publicKey }   base64 strings; the file form
 *   ServerKey     { config, keyPair, primitives }   imported, ready for decapsulation
 *
 * `ohttpKeyFromJson` is strict (every field checked, unknown KEM/KDF/AEAD rejected) and throws only
 * TacitError; `importServerKey` also checks that the public key belongs to the private key, so that a
 * key store whose halves were mixed up fails at start-up, not on the first request.
 */
import { fromBase64, toBase64 } from '../bytes.ts';
import { invalidArgument, TacitError } from '../errors.ts';
import {
  AEAD,
  aeadParams,
  isAeadId,
  isKdfId,
  isKemId,
  KDF,
  KEM,
  type KemId,
  kdfParams,
  kemParams,
} from '../hpke/ids.ts';
import type { DhKeyPair, Primitives } from '../hpke/primitives.ts';
import { webPrimitives } from '../hpke/primitives-web.ts';
import { encodeKeyConfig, type KeyConfig, type SymmetricSuite } from './config.ts';

export interface OhttpKey {
  readonly config: KeyConfig;
  /** SerializePrivateKey output (RFC 9180 7.1.2), Nsk bytes. Secret. */
  readonly privateKey: Uint8Array;
}

export interface OhttpKeyJson {
  keyId: number;
  kem: number;
  suites: { kdf: number; aead: number }[];
  /** Standard base64. */
  privateKey: string;
  publicKey: string;
}

export interface ServerKey {
  readonly config: KeyConfig;
  readonly keyPair: DhKeyPair;
  /** The backend that owns `keyPair`; decapsulation with this key runs on it. */
  readonly primitives: Primitives;
}

/** RFC 9458 3.1 mandates nothing; this is the default offer: the mandatory suite first. */
export const DEFAULT_SUITES: readonly SymmetricSuite[] = [
  { kdfId: KDF.HKDF_SHA256, aeadId: AEAD.AES_128_GCM },
  { kdfId: KDF.HKDF_SHA256, aeadId: AEAD.AES_256_GCM },
  { kdfId: KDF.HKDF_SHA256, aeadId: AEAD.CHACHA20_POLY1305 },
];

export interface GenerateOptions {
  keyId: number;
  kemId?: KemId;
  suites?: readonly SymmetricSuite[];
}

function checkSuites(suites: readonly SymmetricSuite[]): void {
  for (const s of suites) {
    kdfParams(s.kdfId);
    aeadParams(s.aeadId);
  }
}

/** A fresh key pair and its configuration. */
export async function generateOhttpKey(
  options: GenerateOptions,
  primitives: Primitives = webPrimitives,
): Promise<OhttpKey> {
  const kemId = options.kemId ?? KEM.X25519_HKDF_SHA256;
  const suites = options.suites ?? DEFAULT_SUITES;
  checkSuites(suites);
  const pair = await primitives.generateKeyPair(kemParams(kemId).curve);
  const config: KeyConfig = { keyId: options.keyId, kemId, publicKey: pair.publicKey, suites: [...suites] };
  encodeKeyConfig(config); // validates keyId and lengths
  return { config, privateKey: await primitives.exportPrivateKey(pair) };
}

export function ohttpKeyToJson(key: OhttpKey): OhttpKeyJson {
  return {
    keyId: key.config.keyId,
    kem: key.config.kemId,
    suites: key.config.suites.map((s) => ({ kdf: s.kdfId, aead: s.aeadId })),
    privateKey: toBase64(key.privateKey),
    publicKey: toBase64(key.config.publicKey),
  };
}

function base64Field(o: Record<string, unknown>, name: string, length: number): Uint8Array {
  const v = o[name];
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
    throw invalidArgument(`${name}: base64 expected`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(v);
  } catch {
    throw invalidArgument(`${name}: base64 expected`);
  }
  if (bytes.length !== length) throw invalidArgument(`${name}: ${length} bytes expected`);
  return bytes;
}

/** Strict parse of the JSON form (already JSON.parse'd). */
export function ohttpKeyFromJson(json: unknown): OhttpKey {
  if (typeof json !== 'object' || json === null) throw invalidArgument('key: object expected');
  const o = json as Record<string, unknown>;
  const { keyId, kem, suites } = o;
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 255) {
    throw invalidArgument('keyId: integer 0..255 expected');
  }
  if (typeof kem !== 'number' || !isKemId(kem)) throw new TacitError('ERR_UNSUPPORTED', 'kem: unsupported');
  if (!Array.isArray(suites) || suites.length === 0)
    throw invalidArgument('suites: non-empty array expected');
  const parsed: SymmetricSuite[] = suites.map((s: unknown) => {
    const r = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    if (typeof r.kdf !== 'number' || !isKdfId(r.kdf) || typeof r.aead !== 'number' || !isAeadId(r.aead)) {
      throw new TacitError('ERR_UNSUPPORTED', 'suites: unsupported KDF or AEAD');
    }
    return { kdfId: r.kdf, aeadId: r.aead };
  });
  const p = kemParams(kem);
  return {
    config: { keyId, kemId: kem, publicKey: base64Field(o, 'publicKey', p.Npk), suites: parsed },
    privateKey: base64Field(o, 'privateKey', p.Nsk),
  };
}

/** Imports a key into a backend for decapsulation; checks that the two halves belong together. */
export async function importServerKey(
  key: OhttpKey,
  primitives: Primitives = webPrimitives,
): Promise<ServerKey> {
  const { curve } = kemParams(key.config.kemId);
  checkSuites(key.config.suites);
  let keyPair: DhKeyPair;
  try {
    keyPair = await primitives.importKeyPair(curve, key.privateKey, key.config.publicKey);
  } catch (cause) {
    throw new TacitError('ERR_INVALID_ARGUMENT', 'private key invalid or not matching the public key', {
      cause,
    });
  }
  return { config: key.config, keyPair, primitives };
}
