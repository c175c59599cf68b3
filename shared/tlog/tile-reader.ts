/**
 * Proofs from tiles (c2sp.org/tlog-tiles "Merkle Tree": "Clients can fetch all the tiles they need in
 * parallel and compute any desired proof"). Every hash an RFC 6962 proof needs is a range hash built
 * from complete aligned subtrees; a subtree of height h lives in the tile at level floor(h/8), as the
 * root of 2^(h mod 8) consecutive hashes of that tile.
 *
 * Tile bytes come from an untrusted log: nothing read here is trusted until the proof it yields
 * verifies against a checkpoint root that the log signed.
 */
import { invalidArgument, malformed } from '../errors.ts';
import { assertIndex, isPowerOfTwo, largestPowerOfTwoBelow, log2 } from '../merkle/bits.ts';
import { consistencyRanges, verifyConsistency } from '../merkle/consistency.ts';
import { HASH_SIZE } from '../merkle/hash.ts';
import { inclusionRanges, type Range, verifyInclusion } from '../merkle/inclusion.ts';
import { merkleRoot, type NodeReader, rangeHash, rootHash } from '../merkle/tree.ts';
import type { Checkpoint } from './checkpoint.ts';
import { TILE_HEIGHT, TILE_WIDTH, type Tile, tilePath, tileWidth } from './tile.ts';

/** Fetches a tile's bytes. It may return a wider tile than asked (a full one for a partial): only the prefix is used. */
export type TileReader = (tile: Tile) => Uint8Array | Promise<Uint8Array>;

interface NodeLocation {
  tile: Tile;
  /** First hash of the node's subtree inside the tile, and how many hashes it spans. */
  offset: number;
  count: number;
}

/** Where the complete subtree (level, index) of a tree of `treeSize` lives. */
export function locateNode(level: number, index: number, treeSize: number): NodeLocation {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const start = index * count;
  const tileIndex = Math.floor(start / TILE_WIDTH);
  const width = tileWidth(tileLevel, tileIndex, treeSize);
  const offset = start - tileIndex * TILE_WIDTH;
  if (offset + count > width) throw invalidArgument('node lies outside the tree');
  return { tile: { level: tileLevel, index: tileIndex, width }, offset, count };
}

/** The complete aligned subtrees whose hashes make up MTH(D[lo:hi]) (the rangeHash recursion). */
function nodesOfRange(lo: number, hi: number, out: { level: number; index: number }[]): void {
  const size = hi - lo;
  if (isPowerOfTwo(size) && lo % size === 0) {
    out.push({ level: log2(size), index: lo / size });
    return;
  }
  const k = isPowerOfTwo(size) ? size / 2 : largestPowerOfTwoBelow(size);
  nodesOfRange(lo, lo + k, out);
  nodesOfRange(lo + k, hi, out);
}

function tilesOfRanges(ranges: readonly Range[], treeSize: number): Tile[] {
  const nodes: { level: number; index: number }[] = [];
  for (const r of ranges) nodesOfRange(r.lo, r.hi, nodes);
  const seen = new Map<string, Tile>();
  for (const n of nodes) {
    const { tile } = locateNode(n.level, n.index, treeSize);
    seen.set(tilePath(tile), tile);
  }
  return [...seen.values()];
}

/** The tiles needed to prove inclusion of entry `index` in the tree of `treeSize`. */
export function inclusionTiles(index: number, treeSize: number): Tile[] {
  return tilesOfRanges(inclusionRanges(index, treeSize), treeSize);
}

/** The tiles needed to prove that the tree of `oldSize` is a prefix of the tree of `newSize`. */
export function consistencyTiles(oldSize: number, newSize: number): Tile[] {
  return tilesOfRanges(consistencyRanges(oldSize, newSize), newSize);
}

/** The tiles needed to recompute the root hash of the tree of `treeSize`. */
export function rootTiles(treeSize: number): Tile[] {
  assertIndex(treeSize, 'tree size');
  return treeSize === 0 ? [] : tilesOfRanges([{ lo: 0, hi: treeSize }], treeSize);
}

/**
 * A NodeReader over the tiles of the tree of `treeSize`. Each tile is read once (its promise is
 * cached) and checked for shape: whole hashes, at least as wide as the tree requires.
 */
export function tileNodeReader(treeSize: number, readTile: TileReader): NodeReader {
  assertIndex(treeSize, 'tree size');
  const tiles = new Map<string, Promise<Uint8Array>>();
  const load = (tile: Tile): Promise<Uint8Array> => {
    const key = tilePath(tile);
    let p = tiles.get(key);
    if (!p) {
      p = Promise.resolve(readTile(tile)).then((data) => {
        if (
          !(data instanceof Uint8Array) ||
          data.length % HASH_SIZE !== 0 ||
          data.length < tile.width * HASH_SIZE
        ) {
          throw malformed(`tile ${key}`);
        }
        return data;
      });
      tiles.set(key, p);
    }
    return p;
  };
  return async (level, index) => {
    const loc = locateNode(level, index, treeSize);
    const data = await load(loc.tile);
    const hashes: Uint8Array[] = [];
    for (let i = loc.offset; i < loc.offset + loc.count; i++)
      hashes.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return hashes.length === 1 ? hashes[0]! : merkleRoot(hashes);
  };
}

/** Root hash of the tree of `treeSize` from its tiles. */
export function rootFromTiles(treeSize: number, readTile: TileReader): Promise<Uint8Array> {
  return rootHash(treeSize, tileNodeReader(treeSize, readTile));
}

/** An inclusion proof computed from tiles (for a server that stores only tiles, or a client). */
export function inclusionProofFromTiles(
  index: number,
  treeSize: number,
  readTile: TileReader,
): Promise<Uint8Array[]> {
  const reader = tileNodeReader(treeSize, readTile);
  return Promise.all(inclusionRanges(index, treeSize).map((r) => rangeHash(r.lo, r.hi, reader)));
}

export function consistencyProofFromTiles(
  oldSize: number,
  newSize: number,
  readTile: TileReader,
): Promise<Uint8Array[]> {
  const reader = tileNodeReader(newSize, readTile);
  return Promise.all(consistencyRanges(oldSize, newSize).map((r) => rangeHash(r.lo, r.hi, reader)));
}

/**
 * Checks that the entry with leaf hash `leaf` sits at `index` in the log whose verified checkpoint is
 * `checkpoint`, reading the tiles it needs. Throws ERR_VERIFY (or ERR_MALFORMED for a misshapen tile).
 */
export async function verifyInclusionFromTiles(
  leaf: Uint8Array,
  index: number,
  checkpoint: Pick<Checkpoint, 'size' | 'root'>,
  readTile: TileReader,
): Promise<void> {
  assertIndex(index, 'leaf index');
  if (index >= checkpoint.size) throw invalidArgument('leaf index outside the checkpoint tree');
  const proof = await inclusionProofFromTiles(index, checkpoint.size, readTile);
  await verifyInclusion(leaf, index, checkpoint.size, proof, checkpoint.root);
}

/** Checks that `newer` extends `older` (the log only appended), reading tiles of the newer tree. */
export async function verifyConsistencyFromTiles(
  older: Pick<Checkpoint, 'size' | 'root'>,
  newer: Pick<Checkpoint, 'size' | 'root'>,
  readTile: TileReader,
): Promise<void> {
  if (older.size > newer.size) throw invalidArgument('older checkpoint is larger than the newer one');
  const proof = await consistencyProofFromTiles(older.size, newer.size, readTile);
  await verifyConsistency(older.size, newer.size, proof, older.root, newer.root);
}
