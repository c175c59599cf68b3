/**
 * RFC 6962 section 2.1 (RFC 9162 section 2.1.1) Merkle tree hashing with SHA-256.
 *
 *   leaf hash = SHA-256(0x00 || entry)
 *   node hash = SHA-256(0x01 || left || right)
 *   MTH({})   = SHA-256()          (the empty tree)
 *
 * The distinct prefixes are the second-preimage defence of RFC 6962 section 2.1: a leaf can never be
 * confused with an interior node. Hashing goes through WebCrypto so this runs in browsers too.
 */
import { concat } from '../bytes.ts';
import { invalidArgument } from '../errors.ts';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** WebCrypto wants a BufferSource backed by a plain ArrayBuffer; copy only when needed. */
export function bufferSource(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer ? (b as Uint8Array<ArrayBuffer>) : new Uint8Array(b);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(data)));
}

/** RFC 6962 2.1: MTH({d(0)}) = SHA-256(0x00 || d(0)). */
export function leafHash(entry: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(LEAF_PREFIX, entry));
}

/** RFC 6962 2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE)
    throw invalidArgument('node hash inputs must be 32 bytes');
  return sha256(concat(NODE_PREFIX, left, right));
}

/** RFC 6962 2.1: the hash of an empty list is the hash of an empty string. */
export function emptyRoot(): Promise<Uint8Array> {
  return sha256(new Uint8Array(0));
}
