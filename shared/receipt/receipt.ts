/**
 * Signed inference receipts: what the gateway attests about one answer, without saying who asked.
 *
 * Encoding: RFC 8785 (JCS) canonical JSON. Chosen over deterministic CBOR because a receipt is read by
 * people and by verifiers in any language (the CLI prints it, a browser SDK inspects it), its fields
 * are strings and small numbers, and JavaScript's own JSON.stringify already is RFC 8785's primitive
 * serializer: the canonical form needs only sorted keys and no whitespace (jcs.ts).
 *
 * Privacy: the receipt goes into a public transparency log, so it carries no plaintext and nothing
 * that could be confirmed by guessing: request and response are HMAC-SHA256 commitments keyed by a
 * 32-byte random salt that reaches only the client, inside the encrypted response. Time is rounded
 * down to the minute and token counts are rounded up to a power of two.
 *
 * Signature: Ed25519 over "tacit-receipt-v1\n" || canonical bytes (the prefix keeps a receipt key's
 * signatures from meaning anything in another protocol).
 */
import { concat, utf8 } from '../bytes.ts';
import { invalidArgument } from '../errors.ts';
import { bufferSource, sha256 } from '../merkle/hash.ts';
import { encodeBase64Url } from '../note/base64.ts';
import { canonicalize, type JsonValue } from './jcs.ts';

export const RECEIPT_VERSION = 1;
export const SALT_SIZE = 32;
/** Prefixed to the canonical bytes before signing; ASCII, so its text and bytes have one length. */
export const SIGNING_PREFIX_TEXT = 'tacit-receipt-v1\n';
const SIGNING_PREFIX = utf8.encode(SIGNING_PREFIX_TEXT);
const encoder = new TextEncoder();

export type SamplingValue = number | string | boolean | null;

export interface Receipt {
  readonly v: 1;
  /** Receipt signing key id: hex of the first 8 bytes of SHA-256(raw Ed25519 public key). */
  readonly kid: string;
  /** Index of this receipt's entry in the transparency log. */
  readonly logIndex: number;
  /** Unix seconds, a multiple of 60. */
  readonly time: number;
  /** `sha256:<hex>` of the model weights/graph that answered. */
  readonly model: string;
  /** Hex enclave measurement (Nitro PCR0, or the dev measurement). */
  readonly measurement: string;
  /** base64url HMAC-SHA256(salt, "request\n" || request bytes). */
  readonly request: string;
  /** base64url HMAC-SHA256(salt, "response\n" || response body). */
  readonly response: string;
  /** Sampling parameters as the engine applied them (temperature, top_p, max_tokens...). */
  readonly sampling: Readonly<Record<string, SamplingValue>>;
  /** The sampler seed, when sampling was seeded. */
  readonly seed: number | null;
  /** Token counts, each rounded up to a power of two (0 stays 0). */
  readonly usage: { readonly prompt: number; readonly completion: number };
}

/** The canonical bytes of a receipt (RFC 8785): what is signed and what the log commits to. */
export function canonicalReceipt(r: Receipt): Uint8Array {
  return encoder.encode(canonicalReceiptText(r));
}

/** The members of a receipt in RFC 8785 order (by UTF-16 code units), and of its usage. */
export const RECEIPT_MEMBERS = [
  'kid',
  'logIndex',
  'measurement',
  'model',
  'request',
  'response',
  'sampling',
  'seed',
  'time',
  'usage',
  'v',
] as const;

/**
 * The canonical receipt as text (what `canonicalReceipt` encodes as UTF-8). A receipt of exactly the
 * `Receipt` shape is written member by member in the fixed order above, each value through
 * `canonicalize`, with no key sorting: the gateway does this once per answer. Anything else (a
 * caller's extra members) takes the generic canonicalizer; both give the same text.
 */
export function canonicalReceiptText(r: Receipt): string {
  const own = Object.keys(r);
  if (
    own.length !== RECEIPT_MEMBERS.length ||
    !RECEIPT_MEMBERS.every((m) => Object.hasOwn(r, m)) ||
    typeof r.usage !== 'object' ||
    r.usage === null ||
    Object.keys(r.usage).length !== 2 ||
    !Object.hasOwn(r.usage, 'completion') ||
    !Object.hasOwn(r.usage, 'prompt')
  )
    return canonicalize(r as unknown as JsonValue);
  const c = canonicalize;
  return (
    `{"kid":${c(r.kid)},"logIndex":${c(r.logIndex)},"measurement":${c(r.measurement)},` +
    `"model":${c(r.model)},"request":${c(r.request)},"response":${c(r.response)},` +
    `"sampling":${c(r.sampling)},"seed":${c(r.seed)},"time":${c(r.time)},` +
    `"usage":{"completion":${c(r.usage.completion)},"prompt":${c(r.usage.prompt)}},"v":${c(r.v)}}`
  );
}

export function signingInput(canonical: Uint8Array): Uint8Array {
  return concat(SIGNING_PREFIX, canonical);
}

export async function signReceipt(
  r: Receipt,
  privateKey: CryptoKey,
): Promise<{ canonical: Uint8Array; signature: Uint8Array }> {
  const canonical = canonicalReceipt(r);
  const sig = await crypto.subtle.sign('Ed25519', privateKey, bufferSource(signingInput(canonical)));
  return { canonical, signature: new Uint8Array(sig) };
}

export async function receiptKeyId(publicKey: Uint8Array): Promise<string> {
  if (publicKey.length !== 32) throw invalidArgument('Ed25519 public key must be 32 bytes');
  const h = await sha256(publicKey);
  return Array.from(h.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function newSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SALT_SIZE));
}

/** HMAC-SHA256(salt, label || 0x0A || bytes), base64url: a hiding, binding commitment. */
export async function commit(
  salt: Uint8Array,
  label: 'request' | 'response',
  bytes: Uint8Array,
): Promise<string> {
  if (salt.length !== SALT_SIZE) throw invalidArgument('receipt salt must be 32 bytes');
  const key = await crypto.subtle.importKey(
    'raw',
    bufferSource(salt),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, bufferSource(concat(utf8.encode(`${label}\n`), bytes)));
  return encodeBase64Url(new Uint8Array(mac));
}

/** Unix seconds rounded down to the minute. */
export function coarseTime(ms: number): number {
  return Math.floor(ms / 60_000) * 60;
}

/** Rounds a token count up to a power of two, so the log shows the size class, not the size. */
export function bucketTokens(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument('token count must be a non-negative integer');
  if (n === 0) return 0;
  let b = 1;
  while (b < n) b *= 2;
  return b;
}

export function isBucket(n: number): boolean {
  if (n === 0) return true;
  if (!Number.isSafeInteger(n) || n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
