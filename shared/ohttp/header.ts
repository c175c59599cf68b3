/**
 * The request header shared by RFC 9458 4.3 and chunked-ohttp-08 6.1:
 *
 *   hdr  = key_id (8) || kem_id (16) || kdf_id (16) || aead_id (16)
 *   info = label || 0x00 || hdr
 *   Encapsulated Request = hdr || enc || ...
 *
 * and the gateway's key lookup on it (RFC 9458 5.2: an unknown key id or suite is answered with the
 * `ohttp-key` problem type, so it has its own code, ERR_UNKNOWN_KEY).
 */
import { concat } from '../bytes.ts';
import { TacitError, truncated } from '../errors.ts';
import { kemParams } from '../hpke/ids.ts';
import type { KeyConfig, SymmetricSuite } from '../keys/config.ts';
import type { ServerKey } from '../keys/keypair.ts';

export const HEADER_LENGTH = 7;

export interface RequestHeader {
  readonly keyId: number;
  readonly kemId: number;
  readonly kdfId: number;
  readonly aeadId: number;
}

export function encodeHeader(config: KeyConfig, suite: SymmetricSuite): Uint8Array {
  const { keyId, kemId } = config;
  const { kdfId, aeadId } = suite;
  return new Uint8Array([
    keyId,
    kemId >> 8,
    kemId & 0xff,
    kdfId >> 8,
    kdfId & 0xff,
    aeadId >> 8,
    aeadId & 0xff,
  ]);
}

/** Reads the 7-byte header at the start of `bytes` (ERR_TRUNCATED if shorter). */
export function decodeHeader(bytes: Uint8Array): RequestHeader {
  if (bytes.length < HEADER_LENGTH) throw truncated('encapsulated request header');
  const b = bytes;
  return {
    keyId: b[0]!,
    kemId: (b[1]! << 8) | b[2]!,
    kdfId: (b[3]! << 8) | b[4]!,
    aeadId: (b[5]! << 8) | b[6]!,
  };
}

export function buildInfo(label: Uint8Array, hdr: Uint8Array): Uint8Array {
  return concat(label, new Uint8Array([0]), hdr);
}

/** A request header with the key it names and its `enc`, parsed before any decryption. */
export interface ParsedRequestHeader extends RequestHeader {
  readonly key: ServerKey;
  /** The 7 header bytes, as bound into the HPKE info. */
  readonly hdr: Uint8Array;
  /** The encapsulated KEM key: unique per request, what a replay cache remembers (RFC 9458 6.5). */
  readonly enc: Uint8Array;
  /** hdr || enc length: where the ciphertext (or the first chunk) starts. */
  readonly length: number;
}

/**
 * Looks the header's key id and suite up in `keys`. ERR_TRUNCATED if the 7-byte header is cut,
 * ERR_UNKNOWN_KEY if no key matches the key id, KEM, KDF and AEAD, ERR_TRUNCATED if `enc` is cut.
 */
export function lookupKey(keys: readonly ServerKey[], bytes: Uint8Array): ParsedRequestHeader {
  const h = decodeHeader(bytes);
  const key = findKey(keys, h);
  const end = HEADER_LENGTH + kemParams(h.kemId).Nenc;
  if (bytes.length < end) throw truncated('encapsulated request (enc)');
  const { keyId, kemId, kdfId, aeadId } = h;
  const hdr = bytes.slice(0, HEADER_LENGTH);
  return { keyId, kemId, kdfId, aeadId, key, hdr, enc: bytes.slice(HEADER_LENGTH, end), length: end };
}

/** RFC 9458 5.2: the key with this key id, KEM and an offered (KDF, AEAD), or ERR_UNKNOWN_KEY. */
export function findKey(keys: readonly ServerKey[], h: RequestHeader): ServerKey {
  for (const key of keys) {
    const c = key.config;
    if (c.keyId !== h.keyId || c.kemId !== h.kemId) continue;
    for (const s of c.suites) if (s.kdfId === h.kdfId && s.aeadId === h.aeadId) return key;
  }
  throw new TacitError('ERR_UNKNOWN_KEY', `unknown key id ${h.keyId} or unsupported suite`);
}
