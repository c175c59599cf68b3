/**
 * C2SP signed-note Ed25519 keys (signature type 0x01), in the text forms of golang.org/x/mod/sumdb/note:
 *
 *   verifier key: <name>+<8 hex key id>+base64(0x01 || 32-byte public key)
 *   signer key:   PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 || 32-byte private seed)
 *
 * c2sp.org/signed-note "Signatures": key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4], as a
 * big-endian uint32. Ed25519 runs on WebCrypto.
 */
import { concat, toBase64, utf8 } from '../bytes.ts';
import { invalidArgument, malformed, TacitError } from '../errors.ts';
import { bufferSource, sha256 } from '../merkle/hash.ts';
import { decodeBase64 } from './base64.ts';

export const SIG_TYPE_ED25519 = 0x01;

/** Verifies note signatures by one key; `name` and `keyId` together identify it. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** c2sp.org/signed-note: key names are non-empty, with no Unicode spaces and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !hasControlCharacter(name, false);
}

/** c2sp.org/signed-note "Format": no ASCII control characters (below U+0020) other than newline. */
export function hasControlCharacter(s: string, allowNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return true;
  }
  return false;
}

export async function noteKeyId(name: string, publicKey: Uint8Array): Promise<number> {
  const h = await sha256(concat(utf8.encode(name), Uint8Array.of(0x0a, SIG_TYPE_ED25519), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw invalidArgument('invalid note key name');
}

export async function formatVerifierKey(name: string, publicKey: Uint8Array): Promise<string> {
  checkName(name);
  if (publicKey.length !== 32) throw invalidArgument('Ed25519 public key must be 32 bytes');
  const id = await noteKeyId(name, publicKey);
  return `${name}+${keyIdHex(id)}+${toBase64(concat(Uint8Array.of(SIG_TYPE_ED25519), publicKey))}`;
}

/** Splits `name+hash+key`, checks the type byte and that the hash matches the key (a typo is caught). */
async function splitKey(s: string, what: string): Promise<{ name: string; id: number; key: Uint8Array }> {
  // The base64 key may itself contain '+': only the first two '+' are separators.
  const a = s.indexOf('+');
  const b = a < 0 ? -1 : s.indexOf('+', a + 1);
  if (b < 0) throw malformed(what);
  const [name, hash, b64] = [s.slice(0, a), s.slice(a + 1, b), s.slice(b + 1)];
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hash)) throw malformed(what);
  const raw = decodeBase64(b64, what);
  if (raw.length !== 33 || raw[0] !== SIG_TYPE_ED25519) throw malformed(what);
  return { name, id: Number.parseInt(hash, 16), key: raw.subarray(1) };
}

export function importEd25519PublicKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (publicKey.length !== 32) throw invalidArgument('Ed25519 public key must be 32 bytes');
  return crypto.subtle.importKey('raw', bufferSource(publicKey), { name: 'Ed25519' }, false, ['verify']);
}

export async function ed25519Verify(
  key: CryptoKey,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify('Ed25519', key, bufferSource(signature), bufferSource(message));
  } catch {
    return false;
  }
}

export async function verifierFromPublicKey(name: string, publicKey: Uint8Array): Promise<NoteVerifier> {
  checkName(name);
  const key = await importEd25519PublicKey(publicKey);
  const keyId = await noteKeyId(name, publicKey);
  return { name, keyId, verify: (m, s) => ed25519Verify(key, m, s) };
}

export async function parseVerifierKey(vkey: string): Promise<NoteVerifier> {
  const { name, id, key } = await splitKey(vkey, 'note verifier key');
  const v = await verifierFromPublicKey(name, key);
  if (v.keyId !== id) throw malformed('note verifier key (key id does not match the key)');
  return v;
}

/** RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed, the one private-key form every WebCrypto imports. */
export const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

export function importEd25519Seed(seed: Uint8Array, extractable = false): Promise<CryptoKey> {
  if (seed.length !== 32) throw invalidArgument('Ed25519 seed must be 32 bytes');
  return crypto.subtle.importKey(
    'pkcs8',
    concat(PKCS8_ED25519_PREFIX, seed) as Uint8Array<ArrayBuffer>,
    { name: 'Ed25519' },
    extractable,
    ['sign'],
  );
}

export function signerFromKey(name: string, keyId: number, privateKey: CryptoKey): NoteSigner {
  checkName(name);
  return {
    name,
    keyId,
    sign: async (m) => new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, bufferSource(m))),
  };
}

/** The public key of a seed: WebCrypto cannot derive it directly, but its JWK export carries `x`. */
export async function ed25519PublicKeyOfSeed(seed: Uint8Array): Promise<Uint8Array> {
  const jwk = await crypto.subtle.exportKey('jwk', await importEd25519Seed(seed, true));
  if (typeof jwk.x !== 'string')
    throw new TacitError('ERR_UNSUPPORTED', 'cannot derive an Ed25519 public key');
  return Uint8Array.from(atob(jwk.x.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
}

export async function parseSignerKey(skey: string): Promise<NoteSigner & { publicKey: Uint8Array }> {
  if (!skey.startsWith('PRIVATE+KEY+')) throw malformed('note signer key');
  const { name, id, key: seed } = await splitKey(skey.slice('PRIVATE+KEY+'.length), 'note signer key');
  const publicKey = await ed25519PublicKeyOfSeed(seed);
  if ((await noteKeyId(name, publicKey)) !== id)
    throw malformed('note signer key (key id does not match the key)');
  return { ...signerFromKey(name, id, await importEd25519Seed(seed)), publicKey };
}

/** A fresh key pair in both text forms. `seed` is injectable so tests are byte-exact. */
export async function generateNoteKey(
  name: string,
  seed: Uint8Array = crypto.getRandomValues(new Uint8Array(32)),
): Promise<{ signerKey: string; verifierKey: string }> {
  checkName(name);
  const publicKey = await ed25519PublicKeyOfSeed(seed);
  const id = keyIdHex(await noteKeyId(name, publicKey));
  const signerKey = `PRIVATE+KEY+${name}+${id}+${toBase64(concat(Uint8Array.of(SIG_TYPE_ED25519), seed))}`;
  return { signerKey, verifierKey: await formatVerifierKey(name, publicKey) };
}
