/**
 * Batch receipt signatures written from the format's text (shared/receipt/batch.ts) with shared/merkle
 * and WebCrypto alone: the reference the gateway's synchronous signer is held to byte for byte
 * (Ed25519 signatures are deterministic).
 */
import { leafHash } from '../../shared/merkle/hash.ts';
import { inclusionProof } from '../../shared/merkle/inclusion.ts';
import { merkleRoot, nodeReaderFromArray } from '../../shared/merkle/tree.ts';
import { importEd25519Seed } from '../../shared/note/keys.ts';
import { batchSigningMessage, encodeBatchSignature } from '../../shared/receipt/batch.ts';
import { signingInput } from '../../shared/receipt/receipt.ts';

/**
 * The signature parts of `items` (canonical receipts), written from the format's text with
 * shared/merkle and WebCrypto: the single form for a batch of one, else the batch form.
 */
export async function signBatchHere(s: Uint8Array, items: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const key = await importEd25519Seed(s);
  const sign = async (m: Uint8Array) => new Uint8Array(await crypto.subtle.sign('Ed25519', key, m.slice()));
  if (items.length === 1) return [await sign(signingInput(items[0]!))];
  const leaves = await Promise.all(items.map((c) => leafHash(signingInput(c))));
  const root = await merkleRoot(leaves);
  const message = batchSigningMessage(items.length, root);
  const signature = await sign(message);
  const reader = nodeReaderFromArray(leaves);
  return Promise.all(
    items.map(async (_, index) =>
      encodeBatchSignature({
        signature,
        index,
        size: items.length,
        path: await inclusionProof(index, items.length, reader),
      }),
    ),
  );
}
