/**
 * Merkle Tree Hashes of ranges of a log (RFC 6962 2.1, RFC 9162 2.1.1), computed from a `NodeReader`.
 *
 * A log keeps the hashes of complete, aligned subtrees (a leaf hash is the level-0 case; a tlog tile
 * holds 256 of them per level, see shared/tlog). Every hash a proof needs is either one of those or
 * combines a few of them along the right edge of the tree, so proofs are generated from a reader of
 * stored hashes rather than from the entries themselves. Storage is the caller's: memory, files, tiles.
 */
import { invalidArgument } from '../errors.ts';
import { assertIndex, isPowerOfTwo, largestPowerOfTwoBelow, log2 } from './bits.ts';
import { emptyRoot, HASH_SIZE, nodeHash } from './hash.ts';

/**
 * Returns MTH of the complete subtree with 2^level leaves starting at leaf `index * 2^level`
 * (level 0: the leaf hash of entry `index`). It is only asked for subtrees that lie inside the tree.
 */
export type NodeReader = (level: number, index: number) => Uint8Array | Promise<Uint8Array>;

/** A leaf-hash accessor: entry index to its RFC 6962 leaf hash. */
export type LeafHashReader = (index: number) => Uint8Array | Promise<Uint8Array>;

async function read(reader: NodeReader, level: number, index: number): Promise<Uint8Array> {
  const h = await reader(level, index);
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
    throw invalidArgument('node reader returned a bad hash');
  return h;
}

/**
 * MTH(D[lo:hi]) for 0 <= lo < hi, following the RFC 6962 2.1 recursion on the sublist: split at the
 * largest power of two smaller than its length. A complete aligned subtree is read, not recomputed.
 */
export async function rangeHash(lo: number, hi: number, reader: NodeReader): Promise<Uint8Array> {
  assertIndex(lo, 'range start');
  assertIndex(hi, 'range end');
  if (hi <= lo) throw invalidArgument('empty range');
  const size = hi - lo;
  if (isPowerOfTwo(size) && lo % size === 0) return read(reader, log2(size), lo / size);
  const k = isPowerOfTwo(size) ? size / 2 : largestPowerOfTwoBelow(size);
  const [left, right] = await Promise.all([rangeHash(lo, lo + k, reader), rangeHash(lo + k, hi, reader)]);
  return nodeHash(left, right);
}

/** The root hash of the tree of the first `size` entries (RFC 6962 2.1; the empty tree included). */
export function rootHash(size: number, reader: NodeReader): Promise<Uint8Array> {
  assertIndex(size, 'tree size');
  return size === 0 ? emptyRoot() : rangeHash(0, size, reader);
}

/**
 * A NodeReader computed from leaf hashes alone: O(2^level) hashes per node. Fine for small trees and
 * for tests; a log backs its reader with stored subtree hashes (tiles) instead. An optional cache
 * (e.g. a Map) keeps interior nodes between calls.
 */
export function nodeReaderFromLeaves(
  leafHash: LeafHashReader,
  cache: Map<string, Uint8Array> = new Map(),
): NodeReader {
  const node = async (level: number, index: number): Promise<Uint8Array> => {
    if (level === 0) return leafHash(index);
    const key = `${level}/${index}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const [l, r] = await Promise.all([node(level - 1, index * 2), node(level - 1, index * 2 + 1)]);
    const h = await nodeHash(l, r);
    cache.set(key, h);
    return h;
  };
  return node;
}

/** A reader over an in-memory array of leaf hashes. */
export function nodeReaderFromArray(leafHashes: readonly Uint8Array[]): NodeReader {
  return nodeReaderFromLeaves((i) => {
    const h = leafHashes[i];
    if (!h) throw invalidArgument(`no leaf hash at index ${i}`);
    return h;
  });
}

/**
 * MTH of a whole list of leaf hashes, bottom-up: pair neighbours level by level and carry an unpaired
 * last node up unchanged. This builds exactly the RFC 6962 2.1 tree (its left subtrees are the largest
 * power-of-two prefixes) with one pass per level and no recursion.
 */
export async function merkleRoot(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  if (leafHashes.length === 0) return emptyRoot();
  let level: readonly Uint8Array[] = leafHashes;
  while (level.length > 1) {
    const pairs: Promise<Uint8Array>[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) pairs.push(nodeHash(level[i]!, level[i + 1]!));
    const next = await Promise.all(pairs);
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  if (level[0]!.length !== HASH_SIZE) throw invalidArgument('leaf hashes must be 32 bytes');
  return level[0]!;
}
