/**
 * Signing a batch of receipts with one Ed25519 signature (format: shared/receipt/batch.ts), with
 * node:crypto synchronously, because the log needs the entries in the same step that hands out their
 * indices (log/log.ts). A batch of one gets the single form: a plain signature over its input.
 *
 * The tree is the log's own RFC 6962 tree builder (log/tree.ts treeLevels); each leaf's audit path
 * is its sibling at every level where it has one. The tests check the paths against shared/merkle.
 */

import { invalidArgument } from '../../shared/errors.ts';
import { batchSigningMessage, encodeBatchSignature, MAX_BATCH_SIZE } from '../../shared/receipt/batch.ts';
import type { Ed25519Signer } from './keys.ts';
import { leafHashSync, treeLevels } from './log/tree.ts';

/** The signature part of each input's receipt, in order. */
export function signBatch(signer: Ed25519Signer, inputs: readonly Uint8Array[]): Uint8Array[] {
  const n = inputs.length;
  if (n === 0) return [];
  if (n > MAX_BATCH_SIZE) throw invalidArgument(`a receipt batch holds at most ${MAX_BATCH_SIZE}`);
  if (n === 1) return [signer.sign(inputs[0]!)];
  const levels = treeLevels(inputs.map(leafHashSync));
  const root = levels.at(-1)![0]!;
  const signature = signer.sign(batchSigningMessage(n, root));
  return inputs.map((_, index) => {
    const path: Uint8Array[] = [];
    let at = index;
    for (let l = 0; l < levels.length - 1; l++) {
      const sibling = at ^ 1;
      if (sibling < levels[l]!.length) path.push(levels[l]![sibling]!);
      at >>= 1;
    }
    return encodeBatchSignature({ signature, index, size: n, path });
  });
}
