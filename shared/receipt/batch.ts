/**
 * Receipt signatures, alone or in batches.
 *
 * A receipt's signature part is one of two forms, told apart by length:
 *
 *   single (64 bytes):  Ed25519(key, "tacit-receipt-v1\n" || canonical)
 *   batch (68 + 32k):   sig (64) || index (u16) || size (u16) || path (k x 32 bytes), 2 <= size
 *
 * In a batch, the gateway signs once for all the receipts whose answers finish together: the leaves
 * are the receipts' signing inputs (the single form's message), hashed and joined as an RFC 6962 2.1
 * Merkle tree, and the key signs
 *
 *   "tacit-receipt-batch-v1\n" || size (u16) || MTH(leaves)
 *
 * Each receipt carries its index, the batch size and its audit path (RFC 6962 2.1.1). A verifier
 * recomputes the root from its own signing input (RFC 9162 2.1.3.2) and checks the one signature, so a
 * batch receipt proves exactly what a single one does: this key signed these canonical bytes. This is
 * the batch-signing construction of draft-ietf-tls-batch-signing, with RFC 6962's domain-separated
 * leaf and node hashes so a leaf can never pass for a node. The two prefixes differ before either
 * ends, so no message of one form is a message of the other.
 *
 * Why: an Ed25519 signature costs 60-80 µs of CPU on the development machine, half of the receipt
 * path; answers that finish in the same turn of the gateway's event loop share one (docs/trust.md).
 * A batch of one is always signed in the single form, so a quiet gateway's receipts look as before.
 *
 * What a batch receipt tells its holder besides: how many answers finished with it (the size), and
 * the hashes of their signing inputs, which commit to salted commitments and so reveal nothing
 * (shared/receipt/receipt.ts). The log already shows how many receipts there are, and in what order.
 */
import { utf8 } from '../bytes.ts';
import { malformed } from '../errors.ts';
import { HASH_SIZE, leafHash } from '../merkle/hash.ts';
import { inclusionRanges, rootFromInclusionProof } from '../merkle/inclusion.ts';
import { ed25519Verify } from '../note/keys.ts';
import { signingInput } from './receipt.ts';

const BATCH_SIGNING_PREFIX = utf8.encode('tacit-receipt-batch-v1\n');

export const SIGNATURE_SIZE = 64;
/** Signature, index and size: the batch form's fixed part. */
export const BATCH_HEADER_SIZE = SIGNATURE_SIZE + 4;
/** The most receipts one signature may cover (index and size are 16-bit). */
export const MAX_BATCH_SIZE = 0xffff;

export interface BatchSignature {
  readonly signature: Uint8Array;
  readonly index: number;
  readonly size: number;
  /** Sibling hashes from the leaf upwards. */
  readonly path: readonly Uint8Array[];
}

/** The message a batch signature signs: prefix, the batch size (u16), the batch root. */
export function batchSigningMessage(size: number, root: Uint8Array): Uint8Array {
  const message = new Uint8Array(BATCH_SIGNING_PREFIX.length + 2 + root.length);
  message.set(BATCH_SIGNING_PREFIX, 0);
  new DataView(message.buffer).setUint16(BATCH_SIGNING_PREFIX.length, size);
  message.set(root, BATCH_SIGNING_PREFIX.length + 2);
  return message;
}

export function encodeBatchSignature(b: BatchSignature): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_SIZE + b.path.length * HASH_SIZE);
  out.set(b.signature, 0);
  const view = new DataView(out.buffer);
  view.setUint16(SIGNATURE_SIZE, b.index);
  view.setUint16(SIGNATURE_SIZE + 2, b.size);
  b.path.forEach((h, i) => {
    out.set(h, BATCH_HEADER_SIZE + i * HASH_SIZE);
  });
  return out;
}

/**
 * The batch form's parts. Throws ERR_MALFORMED for any other shape: a path whose length is not the
 * audit path length of (index, size), a size below 2, an index outside the batch.
 */
export function decodeBatchSignature(sig: Uint8Array): BatchSignature {
  if (sig.length <= BATCH_HEADER_SIZE || (sig.length - BATCH_HEADER_SIZE) % HASH_SIZE !== 0)
    throw malformed('batch receipt signature (length)');
  const view = new DataView(sig.buffer, sig.byteOffset, sig.length);
  const index = view.getUint16(SIGNATURE_SIZE);
  const size = view.getUint16(SIGNATURE_SIZE + 2);
  if (size < 2 || index >= size) throw malformed('batch receipt signature (index or size)');
  const k = (sig.length - BATCH_HEADER_SIZE) / HASH_SIZE;
  if (k !== inclusionRanges(index, size).length) throw malformed('batch receipt signature (path length)');
  const path = Array.from({ length: k }, (_, i) =>
    sig.subarray(BATCH_HEADER_SIZE + i * HASH_SIZE, BATCH_HEADER_SIZE + (i + 1) * HASH_SIZE),
  );
  return { signature: sig.subarray(0, SIGNATURE_SIZE), index, size, path };
}

/**
 * Whether `sig` (either form) is `key`'s signature over the receipt with these canonical bytes.
 * Throws ERR_MALFORMED for a signature part of neither shape.
 */
export async function verifyReceiptSignature(
  key: CryptoKey,
  canonical: Uint8Array,
  sig: Uint8Array,
): Promise<boolean> {
  const input = signingInput(canonical);
  if (sig.length === SIGNATURE_SIZE) return ed25519Verify(key, input, sig);
  const batch = decodeBatchSignature(sig);
  const root = await rootFromInclusionProof(await leafHash(input), batch.index, batch.size, batch.path);
  if (root === undefined) return false;
  return ed25519Verify(key, batchSigningMessage(batch.size, root), batch.signature);
}
