/**
 * The AWS Nitro Enclaves attestation document: the COSE_Sign1 payload, a CBOR map (AWS "Nitro
 * Enclaves attestation process", "Attestation document specification"):
 *
 *   module_id: tstr (non-empty)     digest: "SHA384"          timestamp: uint (ms since epoch)
 *   pcrs: { 0..31 => bstr(32/48/64) } (1..32 entries)         certificate: bstr (DER, 1..1024)
 *   cabundle: [+ bstr (DER, 1..1024)], root first             public_key / user_data / nonce:
 *                                                              bstr or null (1..1024 / 0..512 / 0..512)
 *
 * Decoding checks shape only; `checkNitroPolicy` applies the caller's policy to a decoded document so
 * that rule is testable without a signature (a mutated document never gets past the signature).
 */
import { bytesToHex, equalBytes, hexToBytes } from '../bytes.ts';
import { invalidArgument } from '../errors.ts';
import { decodeStrictCbor } from './cose.ts';
import { attestationError } from './errors.ts';

export interface NitroDocument {
  readonly moduleId: string;
  readonly digest: 'SHA384';
  /** Milliseconds since the Unix epoch, as the Nitro Secure Module stamped it. */
  readonly timestamp: number;
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  readonly certificate: Uint8Array;
  /** Root first; the last entry issues `certificate`. */
  readonly cabundle: readonly Uint8Array[];
  readonly publicKey?: Uint8Array;
  readonly userData?: Uint8Array;
  readonly nonce?: Uint8Array;
}

function bytesField(v: unknown, name: string, min: number, max: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length < min || v.length > max)
    throw attestationError('malformed', `bad ${name}`);
  return v;
}

function optionalBytes(v: unknown, name: string, min: number, max: number): Uint8Array | undefined {
  return v === null || v === undefined ? undefined : bytesField(v, name, min, max);
}

export function decodeNitroDocument(payload: Uint8Array): NitroDocument {
  const m = decodeStrictCbor(payload, 'attestation document');
  if (!(m instanceof Map)) throw attestationError('malformed', 'attestation document must be a map');
  const known = new Set([
    'module_id',
    'digest',
    'timestamp',
    'pcrs',
    'certificate',
    'cabundle',
    'public_key',
    'user_data',
    'nonce',
  ]);
  for (const k of m.keys())
    if (typeof k !== 'string' || !known.has(k)) throw attestationError('malformed', 'unknown field');
  const moduleId = m.get('module_id');
  if (typeof moduleId !== 'string' || moduleId.length === 0)
    throw attestationError('malformed', 'bad module_id');
  if (m.get('digest') !== 'SHA384') throw attestationError('malformed', 'digest must be SHA384');
  const timestamp = m.get('timestamp');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0) {
    throw attestationError('malformed', 'bad timestamp');
  }
  const rawPcrs = m.get('pcrs');
  if (!(rawPcrs instanceof Map) || rawPcrs.size < 1 || rawPcrs.size > 32)
    throw attestationError('malformed', 'bad pcrs');
  const pcrs = new Map<number, Uint8Array>();
  for (const [k, v] of rawPcrs) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 31)
      throw attestationError('malformed', 'bad PCR index');
    if (!(v instanceof Uint8Array) || ![32, 48, 64].includes(v.length))
      throw attestationError('malformed', 'bad PCR value');
    pcrs.set(k, v);
  }
  const certificate = bytesField(m.get('certificate'), 'certificate', 1, 1024);
  const rawBundle = m.get('cabundle');
  if (!Array.isArray(rawBundle) || rawBundle.length < 1) throw attestationError('malformed', 'bad cabundle');
  const cabundle = rawBundle.map((c) => bytesField(c, 'cabundle entry', 1, 1024));
  return {
    moduleId,
    digest: 'SHA384',
    timestamp,
    pcrs,
    certificate,
    cabundle,
    publicKey: optionalBytes(m.get('public_key'), 'public_key', 1, 1024),
    userData: optionalBytes(m.get('user_data'), 'user_data', 0, 512),
    nonce: optionalBytes(m.get('nonce'), 'nonce', 0, 512),
  };
}

/** What a caller requires of an attested document beyond a valid signature chain. */
export interface NitroDocumentPolicy {
  /** Expected PCR values (hex or bytes) by index; every listed PCR must match exactly. */
  readonly pcrs?: Readonly<Record<number, string | Uint8Array>>;
  readonly nonce?: Uint8Array;
  readonly userData?: Uint8Array;
  readonly publicKey?: Uint8Array;
  /** Reject documents older than this at `now`. */
  readonly maxAgeMs?: number;
}

/** Tolerated clock skew for a document stamped after the verifier's clock. */
const FUTURE_SKEW_MS = 5 * 60_000;

export function isDebugMode(doc: NitroDocument): boolean {
  // AWS: an enclave started with --debug-mode attests PCR0, PCR1 and PCR2 as all zeros.
  return [0, 1, 2].every((i) => {
    const v = doc.pcrs.get(i);
    return v === undefined || v.every((b) => b === 0);
  });
}

function matches(expected: Uint8Array | undefined, actual: Uint8Array | undefined): boolean {
  return expected === undefined || (actual !== undefined && equalBytes(expected, actual));
}

/** Applies the caller's policy to a decoded document. Throws AttestationError (ERR_VERIFY). */
export function checkNitroPolicy(doc: NitroDocument, policy: NitroDocumentPolicy, now: Date): void {
  if (isDebugMode(doc)) throw attestationError('debug', 'enclave runs in debug mode (PCR0..2 are zero)');
  for (const [index, want] of Object.entries(policy.pcrs ?? {})) {
    const expected = typeof want === 'string' ? hexToBytesOrThrow(want) : want;
    const got = doc.pcrs.get(Number(index));
    if (!got || !equalBytes(got, expected)) {
      throw attestationError('measurement', `PCR${index} is ${got ? bytesToHex(got) : 'absent'}`);
    }
  }
  if (!matches(policy.nonce, doc.nonce)) throw attestationError('nonce', 'nonce does not match');
  if (!matches(policy.userData, doc.userData))
    throw attestationError('user-data', 'user_data does not match');
  if (!matches(policy.publicKey, doc.publicKey))
    throw attestationError('public-key', 'public_key does not match');
  const t = now.getTime();
  if (doc.timestamp > t + FUTURE_SKEW_MS) throw attestationError('stale', 'document is from the future');
  if (policy.maxAgeMs !== undefined && t - doc.timestamp > policy.maxAgeMs)
    throw attestationError('stale', 'document is too old');
}

function hexToBytesOrThrow(hex: string): Uint8Array {
  try {
    return hexToBytes(hex);
  } catch {
    throw invalidArgument('policy PCR value is not hex');
  }
}
