/**
 * The primitives an HPKE backend supplies: Diffie-Hellman on the three curves, HMAC-based HKDF
 * (RFC 5869), and the three AEADs. The RFC 9180 key schedule (schedule.ts, kem.ts) is written once over
 * this interface, so a faster backend can be plugged in without touching it (the composition that
 * hpke-js uses).
 *
 * Two backends exist:
 * - `webPrimitives` (primitives-web.ts): WebCrypto, plus @noble/ciphers for ChaCha20-Poly1305.
 *   Browser-safe; the default everywhere in shared/ and client/.
 * - `nodePrimitives` (primitives-node.ts): node:crypto. Several times faster; for Node entry points
 *   only (gateway, cli, bench), never imported from shared/ or client/.
 *
 * Methods may answer synchronously (node:crypto) or with a Promise (WebCrypto); the key schedule runs
 * on either without extra promises (steps.ts). Backends throw whatever their platform throws; the callers in this folder translate every failure
 * into a TacitError (a DH or AEAD failure on the receiving side is always ERR_DECRYPT).
 */
import type { AeadId, CurveName, HashName } from './ids.ts';
import type { MaybePromise } from './steps.ts';

/** Bytes, whole or as parts to be read as their concatenation. */
export type Bytes = Uint8Array | readonly Uint8Array[];

/**
 * A DH private key imported into one backend, with its serialized public key (RFC 9180 7.1.1
 * SerializePublicKey). The handle is opaque and only valid with the backend that made it.
 */
export interface DhKeyPair {
  readonly curve: CurveName;
  readonly publicKey: Uint8Array;
  /** The backend that owns the handle (checked before use). */
  readonly backend: string;
  /** Backend-private. */
  readonly handle: unknown;
}

/** A peer's public key imported into one backend (validated as a point of the curve). */
export interface DhPublicKey {
  readonly curve: CurveName;
  readonly publicKey: Uint8Array;
  readonly backend: string;
  /** Backend-private. */
  readonly handle: unknown;
}

/** An AEAD key bound once, then used for many nonces (a chunked stream, an HPKE context). */
export interface AeadKey {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): MaybePromise<Uint8Array>;
  /** Rejects (any error) if the tag does not verify. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): MaybePromise<Uint8Array>;
}

export interface Primitives {
  readonly name: string;
  /** A fresh random key pair. */
  generateKeyPair(curve: CurveName): MaybePromise<DhKeyPair>;
  /**
   * Imports a serialized private key (RFC 9180 7.1.2 SerializePrivateKey). If `publicKey` is given it
   * must match the private key; otherwise it is computed.
   */
  importKeyPair(curve: CurveName, privateKey: Uint8Array, publicKey?: Uint8Array): MaybePromise<DhKeyPair>;
  /** RFC 9180 7.1.2 SerializePrivateKey. */
  exportPrivateKey(pair: DhKeyPair): MaybePromise<Uint8Array>;
  /**
   * RFC 9180 7.1.1 DeserializePublicKey: rejects a wrong length, a compressed or off-curve point.
   * Imported once, a key can serve many DHs (a client sends many requests to one gateway key).
   */
  importPublicKey(curve: CurveName, publicKey: Uint8Array): MaybePromise<DhPublicKey>;
  /**
   * DH(sk, pk): the X25519 output, or the x-coordinate for the NIST curves (RFC 9180 7.1.1). Rejects
   * (X25519) an all-zero output (RFC 9180 7.1.4).
   */
  dh(pair: DhKeyPair, peer: DhPublicKey): MaybePromise<Uint8Array>;
  /**
   * RFC 5869 2.2 HKDF-Extract. `salt` may be empty (then HashLen zeros). `ikm` may come in parts
   * (their concatenation is the input), so that labeled inputs need no copy.
   */
  extract(hash: HashName, salt: Uint8Array, ikm: Bytes): MaybePromise<Uint8Array>;
  /** RFC 5869 2.3 HKDF-Expand, `length` <= 255 * HashLen; `info` may come in parts. */
  expand(hash: HashName, prk: Uint8Array, info: Bytes, length: number): MaybePromise<Uint8Array>;
  /** Binds an AEAD key of the right length for `aead`. */
  aeadKey(aead: AeadId, key: Uint8Array): MaybePromise<AeadKey>;
  /** Cryptographically secure random bytes. */
  randomBytes(n: number): Uint8Array;
}
