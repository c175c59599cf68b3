/**
 * Merkle audit paths (inclusion proofs): generation per RFC 6962 2.1.1, verification per
 * RFC 9162 2.1.3.2. A path lists sibling hashes from the leaf upwards.
 */
import { equalBytes } from '../bytes.ts';
import { invalidArgument, TacitError } from '../errors.ts';
import { assertIndex, half, isOdd, largestPowerOfTwoBelow } from './bits.ts';
import { HASH_SIZE, nodeHash } from './hash.ts';
import { type NodeReader, rangeHash } from './tree.ts';

export interface Range {
  readonly lo: number;
  readonly hi: number;
}

/**
 * The ranges D[lo:hi] whose hashes form PATH(index, D[0:size]), leaf end first.
 * RFC 6962 2.1.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k,
 *                                  PATH(m - k, D[k:n]) : MTH(D[0:k]) otherwise.
 */
export function inclusionRanges(index: number, size: number): Range[] {
  assertIndex(index, 'leaf index');
  assertIndex(size, 'tree size');
  if (index >= size) throw invalidArgument('leaf index outside the tree');
  const topDown: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      topDown.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      topDown.push({ lo, hi: lo + k });
      lo += k;
    }
  }
  return topDown.reverse();
}

/** The audit path for entry `index` in the tree of the first `size` entries. */
export function inclusionProof(index: number, size: number, reader: NodeReader): Promise<Uint8Array[]> {
  return Promise.all(inclusionRanges(index, size).map((r) => rangeHash(r.lo, r.hi, reader)));
}

/**
 * RFC 9162 2.1.3.2: the root that `proof` yields for `leaf` at `index` in a tree of `size`, or
 * undefined when the proof has the wrong shape for that position (too long or too short).
 */
export async function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Promise<Uint8Array | undefined> {
  assertIndex(index, 'leaf index');
  assertIndex(size, 'tree size');
  if (index >= size || leaf.length !== HASH_SIZE) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_SIZE || sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      // Past the right edge of an incomplete tree a node has no sibling: skip the levels it is
      // promoted through unchanged (RFC 9162 2.1.3.2 step 5.2).
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : undefined;
}

/** Throws ERR_VERIFY unless `proof` shows `leaf` at `index` in the tree of `size` with `root`. */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<void> {
  const computed = await rootFromInclusionProof(leaf, index, size, proof);
  if (!computed || !equalBytes(computed, root)) {
    throw new TacitError('ERR_VERIFY', 'inclusion proof does not verify');
  }
}
