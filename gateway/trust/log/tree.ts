/**
 * The log's Merkle tree, kept as C2SP tlog-tiles hashes (c2sp.org/tlog-tiles "Merkle Tree"): for each
 * tile level L, the hashes of the complete subtrees of height 8L, in order. Level 0 holds the leaf
 * hashes; a level L+1 hash exists once 256 level L hashes below it are complete (partial tiles are
 * never hashed upwards). Any tile, any root and any proof derive from these arrays.
 *
 * Hashing is RFC 6962 2.1 with node:crypto, synchronously: the log appends in the gateway's hot path,
 * and a synchronous hash of a few dozen bytes costs less than a WebCrypto promise. The results are
 * byte-compared with shared/merkle and shared/tlog in the tests.
 */
import * as nodeCrypto from 'node:crypto';
import { invalidArgument } from '../../../shared/errors.ts';
import { TILE_HEIGHT, TILE_WIDTH, type Tile, tileWidth } from '../../../shared/tlog/tile.ts';

const EMPTY_ROOT = nodeCrypto.createHash('sha256').digest();

/**
 * SHA-256 of one buffer. crypto.hash (Node 20.12+) skips the Hash object a createHash call builds,
 * which is most of the cost for inputs this small; older Nodes take the Hash object.
 */
const sha256: (data: Uint8Array) => Uint8Array =
  typeof nodeCrypto.hash === 'function'
    ? (data) => nodeCrypto.hash('sha256', data, 'buffer')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest();

/** RFC 6962 2.1: SHA-256(0x00 || entry). */
export function leafHashSync(entry: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + entry.length);
  input[0] = 0x00;
  input.set(entry, 1);
  return sha256(input);
}

/** RFC 6962 2.1: SHA-256(0x01 || left || right). */
export function nodeHashSync(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/**
 * Every level of the RFC 6962 2.1 tree over `hashes`, bottom-up: neighbours paired level by level,
 * an unpaired last node carried up unchanged (which builds exactly RFC 6962's tree). The last level
 * holds the root. The batch signer (../batch-sign.ts) reads audit paths from the levels.
 */
export function treeLevels(hashes: readonly Uint8Array[]): Uint8Array[][] {
  const levels: Uint8Array[][] = [[...hashes]];
  for (let level = levels[0]!; level.length > 1; ) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHashSync(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    levels.push(next);
    level = next;
  }
  return levels;
}

/** MTH of a power-of-two run of hashes (a complete subtree). */
function completeRoot(hashes: readonly Uint8Array[]): Uint8Array {
  return treeLevels(hashes).at(-1)![0]!;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class TileTree {
  /** levels[L][i]: MTH of leaves [i * 256^L, (i + 1) * 256^L). */
  private readonly levels: Uint8Array[][] = [[]];

  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends one leaf hash, carrying completed tiles up to the levels above. */
  push(leaf: Uint8Array): void {
    if (leaf.length !== 32) throw invalidArgument('leaf hash must be 32 bytes');
    let hash = leaf;
    for (let level = 0; ; level++) {
      this.levels[level] ??= [];
      const row = this.levels[level]!;
      row.push(hash);
      if (row.length % TILE_WIDTH !== 0) return;
      hash = completeRoot(row.slice(row.length - TILE_WIDTH));
    }
  }

  /**
   * MTH of the complete subtree with 2^height leaves starting at leaf `index * 2^height`: the root
   * of 2^(height mod 8) consecutive hashes of tile level floor(height / 8).
   */
  private subtree(height: number, index: number): Uint8Array {
    const tileLevel = Math.floor(height / TILE_HEIGHT);
    const count = 2 ** (height - tileLevel * TILE_HEIGHT);
    const row = this.levels[tileLevel]!;
    return completeRoot(row.slice(index * count, (index + 1) * count));
  }

  /** RFC 6962 2.1: MTH(D[lo:hi]), splitting at the largest power of two below the length. */
  rangeHash(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n <= 0 || hi > this.size) throw invalidArgument('range outside the tree');
    // A complete aligned subtree is read from the stored levels.
    if (Number.isInteger(Math.log2(n)) && lo % n === 0) return this.subtree(Math.log2(n), lo / n);
    const k = largestPowerOfTwoBelow(n);
    return nodeHashSync(this.rangeHash(lo, lo + k), this.rangeHash(lo + k, hi));
  }

  /** The root hash of the tree of the first `size` entries (the empty tree included). */
  root(size: number = this.size): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) throw invalidArgument('tree size');
    return size === 0 ? EMPTY_ROOT : this.rangeHash(0, size);
  }

  /** Leaf hash of entry `index`. */
  leaf(index: number): Uint8Array {
    const h = this.levels[0]![index];
    if (h === undefined) throw invalidArgument('leaf index outside the tree');
    return h;
  }

  /**
   * The bytes of a tile as the tree of `treeSize` has it, or undefined when that tree has no such
   * tile at that width. A full tile is served for any tree that contains it; a partial one only at
   * the exact width that some tree size gives it (c2sp.org/tlog-tiles "Partial Tiles").
   */
  tile(t: Tile, treeSize: number = this.size): Uint8Array | undefined {
    if (treeSize > this.size) return undefined;
    const available = tileWidth(t.level, t.index, treeSize);
    if (available === 0 || t.width > available) return undefined;
    const row = this.levels[t.level];
    if (row === undefined) return undefined;
    const out = new Uint8Array(t.width * 32);
    for (let i = 0; i < t.width; i++) out.set(row[t.index * TILE_WIDTH + i]!, i * 32);
    return out;
  }
}
