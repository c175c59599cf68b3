/**
 * A signed receipt on the wire: one HTTP field, `Tacit-Receipt`, sent as a header of the inner
 * response or, when the answer streams, as a Binary HTTP trailer (RFC 9292 section 3.6: trailers
 * follow the content, so the receipt can cover a body that was not known when headers were sent).
 * Either way it travels inside the OHTTP encryption; the gateway never copies it outside.
 *
 *   value = b64url(canonical receipt) "." b64url(signature) [ "." b64url(salt) ]
 *
 * The signature is an Ed25519 signature over the receipt alone, or a batch signature: one signature
 * over many receipts' Merkle root, with this receipt's audit path (batch.ts).
 * The salt part goes to the client only. The log entry is the same form without it: a signed,
 * self-authenticating receipt that reveals nothing the commitments hide.
 */
import { equalBytes, utf8 } from '../bytes.ts';
import { malformed, TacitError } from '../errors.ts';
import { decodeBase64Url, encodeBase64Url } from '../note/base64.ts';
import { importEd25519PublicKey } from '../note/keys.ts';
import { decodeBatchSignature, SIGNATURE_SIZE, verifyReceiptSignature } from './batch.ts';
import { parseReceipt } from './parse.ts';
import { commit, type Receipt, receiptKeyId, SALT_SIZE } from './receipt.ts';

/** Field name, lowercase as Binary HTTP (RFC 9292 3.4) and HTTP/2+ carry it. */
export const RECEIPT_FIELD = 'tacit-receipt';

export interface SignedReceipt {
  readonly receipt: Receipt;
  readonly canonical: Uint8Array;
  /** Either form of batch.ts: 64 bytes alone, or a batch signature with its audit path. */
  readonly signature: Uint8Array;
  /** Present on the client's copy only. */
  readonly salt?: Uint8Array;
}

export function encodeReceiptField(canonical: Uint8Array, signature: Uint8Array, salt?: Uint8Array): string {
  const parts = [encodeBase64Url(canonical), encodeBase64Url(signature)];
  if (salt) parts.push(encodeBase64Url(salt));
  return parts.join('.');
}

/** Parses a field value (or a log entry's text). Throws ERR_MALFORMED only; checks no signature. */
export function decodeReceiptField(value: string): SignedReceipt {
  if (typeof value !== 'string' || value.length > 100_000) throw malformed('receipt field');
  const parts = value.split('.');
  if (parts.length !== 2 && parts.length !== 3) throw malformed('receipt field');
  const canonical = decodeBase64Url(parts[0]!, 'receipt');
  const signature = decodeBase64Url(parts[1]!, 'receipt signature');
  if (signature.length !== SIGNATURE_SIZE) decodeBatchSignature(signature); // checks the batch form's shape
  const salt = parts[2] === undefined ? undefined : decodeBase64Url(parts[2], 'receipt salt');
  if (salt && salt.length !== SALT_SIZE) throw malformed('receipt salt (not 32 bytes)');
  return { receipt: parseReceipt(canonical), canonical, signature, ...(salt ? { salt } : {}) };
}

/** The transparency log entry for a receipt: the field without the salt, as bytes. */
export function receiptLogEntry(canonical: Uint8Array, signature: Uint8Array): Uint8Array {
  return utf8.encode(encodeReceiptField(canonical, signature));
}

export interface ReceiptCheck {
  /** The gateway's receipt signing key (32-byte Ed25519), from its attested manifest. */
  readonly publicKey: Uint8Array;
  /** The exact request bytes the client sent (inner Binary HTTP request), to check the commitment. */
  readonly request?: Uint8Array;
  /** The exact response body the client received. */
  readonly response?: Uint8Array;
}

/**
 * Verifies a signed receipt: key id, signature, and (when the caller passes them, with the salt the
 * receipt came with) the request and response commitments. Throws ERR_VERIFY or ERR_MALFORMED.
 */
export async function verifyReceipt(signed: SignedReceipt | string, check: ReceiptCheck): Promise<Receipt> {
  const s = typeof signed === 'string' ? decodeReceiptField(signed) : signed;
  if (s.receipt.kid !== (await receiptKeyId(check.publicKey))) {
    throw new TacitError('ERR_VERIFY', 'receipt is signed by another key');
  }
  const key = await importEd25519PublicKey(check.publicKey);
  if (!(await verifyReceiptSignature(key, s.canonical, s.signature))) {
    throw new TacitError('ERR_VERIFY', 'receipt signature does not verify');
  }
  for (const label of ['request', 'response'] as const) {
    const bytes = check[label];
    if (bytes === undefined) continue;
    if (!s.salt) throw new TacitError('ERR_VERIFY', 'receipt has no salt to check the commitments');
    const got = utf8.encode(await commit(s.salt, label, bytes));
    if (!equalBytes(got, utf8.encode(s.receipt[label])))
      throw new TacitError('ERR_VERIFY', `receipt ${label} commitment does not match`);
  }
  return s.receipt;
}
