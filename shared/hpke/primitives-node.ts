/**
 * HPKE primitives on node:crypto: the ONE file of shared/ that may import `node:crypto`. Use it only
 * from Node entry points (gateway, cli, bench, tests); shared/ and client/ code takes a `Primitives`
 * parameter and defaults to the browser-safe `webPrimitives`.
 *
 * Why a second backend: measured on Node 20, node:crypto runs X25519 HPKE several times faster than
 * WebCrypto (synchronous calls, no per-call key import for HMAC and AES). Every method here answers
 * synchronously, so the key schedule runs without promises (steps.ts).
 * - X25519 keys are generated with `publicKeyEncoding: { format: 'jwk' }` and peer keys imported as
 *   JWK: exporting X25519 keys as JWK in a tight loop hung Node 20, and SPKI DER import is ~15x slower.
 * - P-256 / P-384 use `createECDH`, which takes raw SEC1 points and scalars directly.
 */
import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type ECDH,
  generateKeyPairSync,
  type Hmac,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { equalBytes } from '../bytes.ts';
import { AEAD, type AeadId, type CurveName, HASH_LENGTH, type HashName } from './ids.ts';
import type { AeadKey, Bytes, DhKeyPair, DhPublicKey, Primitives } from './primitives.ts';

const NAME = 'node';
const NODE_HASH: Record<HashName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const ECDH_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;
const COORD: Record<CurveName, number> = { X25519: 32, 'P-256': 32, 'P-384': 48 };

// RFC 8410: PKCS#8 wrapping of a raw X25519 private key.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

const u8 = (buf: Buffer): Uint8Array => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function leftPad(bytes: Uint8Array, n: number): Uint8Array {
  if (bytes.length >= n) return bytes;
  const out = new Uint8Array(n);
  out.set(bytes, n - bytes.length);
  return out;
}

function x25519Public(pk: Uint8Array): KeyObject {
  if (pk.length !== 32) throw new RangeError('bad X25519 public key length');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: buf(pk).toString('base64url') },
    format: 'jwk',
  });
}

function x25519PublicOf(sk: KeyObject): Uint8Array {
  // SPKI DER of an X25519 key ends with the 32 raw public key bytes (RFC 8410 4).
  const der = createPublicKey(sk).export({ format: 'der', type: 'spki' });
  return u8(der.subarray(der.length - 32));
}

function ensure(pair: DhKeyPair | DhPublicKey): KeyObject | ECDH {
  if (pair.backend !== NAME) throw new TypeError(`key pair belongs to backend ${pair.backend}`);
  return pair.handle as KeyObject | ECDH;
}

// Node's ChaCha20-Poly1305 shares the GCM cipher interface (setAAD, getAuthTag, setAuthTag).
function gcmName(aead: AeadId): string {
  if (aead === AEAD.AES_128_GCM) return 'aes-128-gcm';
  if (aead === AEAD.AES_256_GCM) return 'aes-256-gcm';
  return 'chacha20-poly1305';
}

const TAG = 16;
const ZEROS: Record<HashName, Uint8Array> = {
  'SHA-256': new Uint8Array(32),
  'SHA-384': new Uint8Array(48),
  'SHA-512': new Uint8Array(64),
};
// HKDF-Expand block counters 1..255 (RFC 5869 2.3), allocated once.
const COUNTER = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));

function update(h: Hmac, data: Bytes): Hmac {
  if (data instanceof Uint8Array) return h.update(data);
  for (const d of data) h.update(d);
  return h;
}

function aeadKey(aead: AeadId, key: Uint8Array): AeadKey {
  const name = gcmName(aead) as CipherGCMTypes;
  // GCM's tag length defaults to 16; ChaCha20-Poly1305 needs it said.
  const opts = aead === AEAD.CHACHA20_POLY1305 ? { authTagLength: TAG } : undefined;
  const k = Buffer.from(key);
  return {
    seal(nonce, aad, plaintext) {
      const c = createCipheriv(name, k, nonce, opts);
      if (aad.length > 0) c.setAAD(aad);
      const head = c.update(plaintext);
      const tail = c.final();
      const tag = c.getAuthTag();
      const out = new Uint8Array(head.length + tail.length + TAG);
      out.set(head, 0);
      if (tail.length > 0) out.set(tail, head.length);
      out.set(tag, head.length + tail.length);
      return out;
    },
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < TAG) throw new Error('ciphertext shorter than the tag');
      const d = createDecipheriv(name, k, nonce, opts);
      const ctLen = ciphertext.length - TAG;
      d.setAuthTag(ciphertext.subarray(ctLen));
      if (aad.length > 0) d.setAAD(aad);
      const head = d.update(ciphertext.subarray(0, ctLen));
      const tail = d.final(); // throws if the tag does not verify
      return u8(tail.length === 0 ? head : Buffer.concat([head, tail]));
    },
  };
}

function allZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

export const nodePrimitives: Primitives = {
  name: NAME,

  generateKeyPair(curve) {
    if (curve === 'X25519') {
      const { publicKey, privateKey } = generateKeyPairSync('x25519', {
        publicKeyEncoding: { format: 'jwk' },
      });
      return {
        curve,
        // The typings lack the JWK overload for x25519; the runtime returns a JsonWebKey object.
        publicKey: u8(Buffer.from((publicKey as unknown as JsonWebKey).x ?? '', 'base64url')),
        backend: NAME,
        handle: privateKey,
      };
    }
    const ecdh = createECDH(ECDH_CURVE[curve]);
    return { curve, publicKey: u8(ecdh.generateKeys()), backend: NAME, handle: ecdh };
  },

  importKeyPair(curve, sk, pk) {
    let handle: KeyObject | ECDH;
    let publicKey: Uint8Array;
    if (curve === 'X25519') {
      if (sk.length !== 32) throw new RangeError('bad X25519 private key length');
      handle = createPrivateKey({
        key: Buffer.concat([X25519_PKCS8_PREFIX, sk]),
        format: 'der',
        type: 'pkcs8',
      });
      publicKey = x25519PublicOf(handle);
    } else {
      if (sk.length !== COORD[curve]) throw new RangeError('bad private key length');
      const ecdh = createECDH(ECDH_CURVE[curve]);
      ecdh.setPrivateKey(sk); // rejects 0 and scalars >= the group order
      publicKey = u8(ecdh.getPublicKey());
      handle = ecdh;
    }
    if (pk !== undefined && !equalBytes(pk, publicKey))
      throw new Error('public key does not match private key');
    return { curve, publicKey, backend: NAME, handle };
  },

  exportPrivateKey(pair) {
    const h = ensure(pair);
    if (pair.curve === 'X25519') {
      const der = (h as KeyObject).export({ format: 'der', type: 'pkcs8' });
      return u8(der.subarray(der.length - 32)).slice();
    }
    return leftPad(u8((h as ECDH).getPrivateKey()), COORD[pair.curve]);
  },

  importPublicKey(curve, pk) {
    if (curve === 'X25519') return { curve, publicKey: pk, backend: NAME, handle: x25519Public(pk) };
    // SEC1 uncompressed form only (RFC 9180 7.1.1); computeSecret checks that the point is on the curve.
    if (pk.length !== 1 + 2 * COORD[curve] || pk[0] !== 0x04)
      throw new RangeError('not an uncompressed point');
    return { curve, publicKey: pk, backend: NAME, handle: buf(pk) };
  },

  dh(pair, peer) {
    const h = ensure(pair);
    const ph = ensure(peer);
    if (pair.curve !== peer.curve) throw new TypeError('curve mismatch');
    if (pair.curve === 'X25519') {
      const out = u8(diffieHellman({ privateKey: h as KeyObject, publicKey: ph as KeyObject }));
      // RFC 9180 7.1.4: an all-zero output means a small-order peer key; abort.
      if (allZero(out)) throw new Error('all-zero DH output');
      return out;
    }
    // computeSecret validates that the point is on the curve; the output is the x-coordinate.
    return leftPad(u8((h as ECDH).computeSecret(ph as unknown as Buffer)), COORD[pair.curve]);
  },

  extract(hash, salt, ikm) {
    const key = salt.length === 0 ? ZEROS[hash] : salt;
    return u8(update(createHmac(NODE_HASH[hash], key), ikm).digest());
  },

  expand(hash, prk, info, length) {
    const n = HASH_LENGTH[hash];
    if (length > 255 * n) throw new RangeError('HKDF-Expand length too large');
    const name = NODE_HASH[hash];
    // Single-block expansions (every HPKE and OHTTP label) take the short path.
    if (length <= n) {
      const t = update(createHmac(name, prk), info).update(COUNTER[1]!).digest();
      return u8(t.subarray(0, length));
    }
    const out = new Uint8Array(Math.ceil(length / n) * n);
    let t: Uint8Array = new Uint8Array(0);
    for (let i = 0; i * n < length; i++) {
      t = u8(
        update(createHmac(name, prk).update(t), info)
          .update(COUNTER[i + 1]!)
          .digest(),
      );
      out.set(t, i * n);
    }
    return out.slice(0, length);
  },

  aeadKey(aead, key) {
    return aeadKey(aead, key);
  },

  randomBytes(n) {
    return u8(randomBytes(n));
  },
};
