/**
 * COSE_Sign1 (RFC 9052 section 4.2) as attestation documents use it: an untagged CBOR array
 * [protected: bstr, unprotected: map, payload: bstr, signature: bstr], decoded strictly (minimal
 * integers, definite lengths, no duplicate map keys, no tags, no trailing bytes) so that one document
 * has exactly one encoding. The signature covers Sig_structure (RFC 9052 section 4.4):
 *   ["Signature1", body_protected, external_aad = h'', payload]
 */
import { decode, encode } from 'cborg';
import { attestationError } from './errors.ts';

/** RFC 9053: COSE algorithm identifiers used here. */
export const COSE_ALG_ES384 = -35;
export const COSE_ALG_EDDSA = -8;
const HEADER_ALG = 1;

const STRICT = {
  strict: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
} as const;

/** Strict CBOR decode; every failure is an attestation 'malformed' (ERR_VERIFY). */
export function decodeStrictCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, STRICT);
  } catch (e) {
    throw attestationError('malformed', `${what} is not strict CBOR`, e);
  }
}

export interface CoseSign1 {
  readonly protectedBytes: Uint8Array;
  readonly alg: number;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  if (!(bytes instanceof Uint8Array)) throw attestationError('malformed', 'evidence must be bytes');
  const arr = decodeStrictCbor(bytes, 'COSE_Sign1');
  if (!Array.isArray(arr) || arr.length !== 4)
    throw attestationError('malformed', 'COSE_Sign1 must be an array of 4');
  const [protectedBytes, unprotected, payload, signature] = arr as unknown[];
  if (
    !(protectedBytes instanceof Uint8Array) ||
    !(payload instanceof Uint8Array) ||
    !(signature instanceof Uint8Array)
  ) {
    throw attestationError('malformed', 'COSE_Sign1 fields must be byte strings');
  }
  if (!(unprotected instanceof Map))
    throw attestationError('malformed', 'COSE_Sign1 unprotected header must be a map');
  const header = decodeStrictCbor(protectedBytes, 'COSE protected header');
  if (!(header instanceof Map)) throw attestationError('malformed', 'COSE protected header must be a map');
  const alg = header.get(HEADER_ALG);
  if (typeof alg !== 'number') throw attestationError('malformed', 'COSE protected header has no algorithm');
  return { protectedBytes, alg, payload, signature };
}

/** RFC 9052 4.4: the bytes a COSE_Sign1 signature covers (no external AAD). */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

export function encodeProtectedHeader(alg: number): Uint8Array {
  return encode(new Map([[HEADER_ALG, alg]]));
}

export function encodeCoseSign1(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return encode([protectedBytes, new Map(), payload, signature]);
}
