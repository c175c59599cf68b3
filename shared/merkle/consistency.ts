/**
 * Merkle consistency proofs: generation per RFC 6962 2.1.2, verification per RFC 9162 2.1.4.2.
 * A proof shows that the tree of `oldSize` entries is a prefix of the tree of `newSize` entries:
 * the log only appended.
 */
import { equalBytes } from '../bytes.ts';
import { invalidArgument, TacitError } from '../errors.ts';
import { assertIndex, half, isOdd, isPowerOfTwo, largestPowerOfTwoBelow } from './bits.ts';
import { emptyRoot, HASH_SIZE, nodeHash } from './hash.ts';
import type { Range } from './inclusion.ts';
import { type NodeReader, rangeHash } from './tree.ts';

/**
 * The ranges whose hashes form PROOF(m, D[n]) = SUBPROOF(m, D[n], true), innermost first.
 * RFC 6962 2.1.2: SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])};
 * for m < n: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]) if m <= k, else SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
 */
export function consistencyRanges(oldSize: number, newSize: number): Range[] {
  assertIndex(oldSize, 'old tree size');
  assertIndex(newSize, 'new tree size');
  if (oldSize > newSize) throw invalidArgument('old tree size exceeds new tree size');
  if (oldSize === 0 || oldSize === newSize) return [];
  const topDown: Range[] = [];
  let lo = 0;
  let hi = newSize;
  let m = oldSize;
  let complete = true; // the "b" flag: whether the subtree at hand is the old tree itself
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      topDown.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      topDown.push({ lo, hi: lo + k });
      lo += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) topDown.push({ lo, hi });
  return topDown.reverse();
}

export function consistencyProof(
  oldSize: number,
  newSize: number,
  reader: NodeReader,
): Promise<Uint8Array[]> {
  return Promise.all(consistencyRanges(oldSize, newSize).map((r) => rangeHash(r.lo, r.hi, reader)));
}

async function consistent(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): Promise<boolean> {
  if (oldSize > newSize) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  // Equal sizes: nothing to prove beyond equal roots. The empty tree is a prefix of every tree.
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, await emptyRoot());
  // RFC 9162 2.1.4.2 steps 1-7.
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/** Throws ERR_VERIFY unless `proof` shows the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot). */
export async function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): Promise<void> {
  assertIndex(oldSize, 'old tree size');
  assertIndex(newSize, 'new tree size');
  if (!(await consistent(oldSize, newSize, proof, oldRoot, newRoot))) {
    throw new TacitError('ERR_VERIFY', 'consistency proof does not verify');
  }
}
