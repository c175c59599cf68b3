/**
 * HPKE primitives on WebCrypto (browser-safe). ChaCha20-Poly1305 comes from @noble/ciphers because
 * WebCrypto has no ChaCha20. This is the default backend in shared/ and client/; the gateway uses the
 * faster node:crypto backend (primitives-node.ts), and tests check the two against each other.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, fromBase64, toBase64 } from '../bytes.ts';
import { AEAD, type AeadId, type CurveName, HASH_LENGTH, type HashName } from './ids.ts';
import type { AeadKey, DhKeyPair, DhPublicKey, Primitives } from './primitives.ts';

const subtle = globalThis.crypto.subtle;
const NAME = 'webcrypto';

// WebCrypto types want ArrayBuffer-backed views; every Uint8Array we make is one.
type Bytes = Uint8Array<ArrayBuffer>;
const b = (u: Uint8Array): Bytes => u as Bytes;

const CURVE_BITS: Record<CurveName, number> = { X25519: 256, 'P-256': 256, 'P-384': 384 };
const COORD: Record<CurveName, number> = { X25519: 32, 'P-256': 32, 'P-384': 48 };

function algorithm(curve: CurveName): AlgorithmIdentifier | EcKeyImportParams {
  return curve === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: curve };
}

function b64url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// RFC 8410 / RFC 5208: PKCS#8 wrapping of a raw X25519 private key (WebCrypto cannot import it raw).
const X25519_PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

function jwkFor(curve: CurveName, sk: Uint8Array, pk: Uint8Array): JsonWebKey {
  if (curve === 'X25519') return { kty: 'OKP', crv: 'X25519', d: b64url(sk), x: b64url(pk) };
  const n = COORD[curve];
  return {
    kty: 'EC',
    crv: curve,
    d: b64url(sk),
    x: b64url(pk.subarray(1, 1 + n)),
    y: b64url(pk.subarray(1 + n)),
  };
}

function publicFromJwk(curve: CurveName, jwk: JsonWebKey): Uint8Array {
  if (curve === 'X25519') return fromBase64(jwk.x ?? '');
  return concat(new Uint8Array([4]), fromBase64(jwk.x ?? ''), fromBase64(jwk.y ?? ''));
}

// RFC 5915 ECPrivateKey inside PKCS#8 without the optional public key, so that the platform computes it.
function ecPkcs8(curve: 'P-256' | 'P-384', sk: Uint8Array): Uint8Array {
  const curveOid =
    curve === 'P-256'
      ? [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
      : [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
  const ecPublicKeyOid = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
  const algId = [0x30, ecPublicKeyOid.length + curveOid.length, ...ecPublicKeyOid, ...curveOid];
  const ecPrivateKey = [0x30, 3 + 2 + sk.length, 0x02, 0x01, 0x01, 0x04, sk.length, ...sk];
  const octet = [0x04, ecPrivateKey.length, ...ecPrivateKey];
  const body = [0x02, 0x01, 0x00, ...algId, ...octet];
  return new Uint8Array([0x30, body.length, ...body]);
}

async function importPrivate(curve: CurveName, sk: Uint8Array, pk?: Uint8Array): Promise<DhKeyPair> {
  const alg = algorithm(curve);
  let publicKey = pk;
  if (publicKey === undefined) {
    const der = curve === 'X25519' ? concat(X25519_PKCS8_PREFIX, sk) : ecPkcs8(curve, sk);
    const tmp = await subtle.importKey('pkcs8', b(der), alg, true, ['deriveBits']);
    publicKey = publicFromJwk(curve, await subtle.exportKey('jwk', tmp));
  }
  const handle = await subtle.importKey('jwk', jwkFor(curve, sk, publicKey), alg, true, ['deriveBits']);
  return { curve, publicKey, backend: NAME, handle };
}

function ensure(pair: DhKeyPair | DhPublicKey): CryptoKey {
  if (pair.backend !== NAME) throw new TypeError(`key pair belongs to backend ${pair.backend}`);
  return pair.handle as CryptoKey;
}

async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', b(key), { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, b(data)));
}

function aesGcm(key: CryptoKey): AeadKey {
  return {
    async seal(nonce, aad, plaintext) {
      const params = { name: 'AES-GCM', iv: b(nonce), additionalData: b(aad), tagLength: 128 };
      return new Uint8Array(await subtle.encrypt(params, key, b(plaintext)));
    },
    async open(nonce, aad, ciphertext) {
      const params = { name: 'AES-GCM', iv: b(nonce), additionalData: b(aad), tagLength: 128 };
      return new Uint8Array(await subtle.decrypt(params, key, b(ciphertext)));
    },
  };
}

function chacha(key: Uint8Array): AeadKey {
  const k = key.slice();
  return {
    seal: async (nonce, aad, plaintext) => chacha20poly1305(k, nonce, aad).encrypt(plaintext),
    open: async (nonce, aad, ciphertext) => chacha20poly1305(k, nonce, aad).decrypt(ciphertext),
  };
}

export const webPrimitives: Primitives = {
  name: NAME,

  async generateKeyPair(curve) {
    const pair = (await subtle.generateKey(algorithm(curve), true, ['deriveBits'])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    return { curve, publicKey, backend: NAME, handle: pair.privateKey };
  },

  importKeyPair: importPrivate,

  async exportPrivateKey(pair) {
    const jwk = await subtle.exportKey('jwk', ensure(pair));
    const sk = fromBase64(jwk.d ?? '');
    // Left-pad a NIST scalar to Nsk bytes (RFC 9180 7.1.2 uses fixed-length I2OSP).
    const n = COORD[pair.curve];
    return sk.length >= n ? sk : concat(new Uint8Array(n - sk.length), sk);
  },

  async importPublicKey(curve, pk) {
    // RFC 9180 7.1.1: fixed-length encodings; the NIST curves use the uncompressed SEC1 form only.
    if (
      pk.length !== (curve === 'X25519' ? 32 : 1 + 2 * COORD[curve]) ||
      (curve !== 'X25519' && pk[0] !== 4)
    ) {
      throw new RangeError('bad public key encoding');
    }
    const handle = await subtle.importKey('raw', b(pk), algorithm(curve), false, []);
    return { curve, publicKey: pk, backend: NAME, handle };
  },

  async dh(pair, peer) {
    const priv = ensure(pair);
    const pub = ensure(peer);
    if (pair.curve !== peer.curve) throw new TypeError('curve mismatch');
    const alg = pair.curve === 'X25519' ? { name: 'X25519', public: pub } : { name: 'ECDH', public: pub };
    const out = new Uint8Array(await subtle.deriveBits(alg, priv, CURVE_BITS[pair.curve]));
    // RFC 9180 7.1.4: an all-zero X25519 output means a small-order peer key; abort.
    if (pair.curve === 'X25519' && out.every((x) => x === 0)) throw new Error('all-zero DH output');
    return out;
  },

  async extract(hash, salt, ikmParts) {
    const ikm = ikmParts instanceof Uint8Array ? ikmParts : concat(...ikmParts);
    // RFC 5869 2.2: an absent salt is HashLen zeros (WebCrypto refuses zero-length HMAC keys).
    return hmac(hash, salt.length === 0 ? new Uint8Array(HASH_LENGTH[hash]) : salt, ikm);
  },

  async expand(hash, prk, infoParts, length) {
    const info = infoParts instanceof Uint8Array ? infoParts : concat(...infoParts);
    const n = HASH_LENGTH[hash];
    if (length > 255 * n) throw new RangeError('HKDF-Expand length too large');
    const k = await subtle.importKey('raw', b(prk), { name: 'HMAC', hash }, false, ['sign']);
    const out = new Uint8Array(Math.ceil(length / n) * n);
    let t: Uint8Array = new Uint8Array(0);
    for (let i = 0; i * n < length; i++) {
      t = new Uint8Array(await subtle.sign('HMAC', k, b(concat(t, info, new Uint8Array([i + 1])))));
      out.set(t, i * n);
    }
    return out.slice(0, length);
  },

  async aeadKey(aead: AeadId, key) {
    if (aead === AEAD.CHACHA20_POLY1305) return chacha(key);
    const k = await subtle.importKey('raw', b(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return aesGcm(k);
  },

  randomBytes(n) {
    return globalThis.crypto.getRandomValues(new Uint8Array(n));
  },
};
