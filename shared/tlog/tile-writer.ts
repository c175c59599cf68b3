/**
 * Building tiles as a log grows (c2sp.org/tlog-tiles "Merkle Tree", "Partial Tiles"). Level 0 tiles
 * hold leaf hashes; each hash of a level L+1 tile is the Merkle Tree Hash of a *full* level L tile.
 * Partial tiles are never hashed upwards. After an append, the log stores every tile returned here
 * (full tiles are immutable; partial ones serve the checkpoint of the new size).
 */
import { concat } from '../bytes.ts';
import { invalidArgument, malformed } from '../errors.ts';
import { assertIndex } from '../merkle/bits.ts';
import { HASH_SIZE } from '../merkle/hash.ts';
import { merkleRoot } from '../merkle/tree.ts';
import { TILE_WIDTH, type Tile, tilePath, tileWidth } from './tile.ts';
import { rootFromTiles, type TileReader } from './tile-reader.ts';

export interface TileData {
  readonly tile: Tile;
  readonly data: Uint8Array;
}

/** MTH of a full tile's 256 hashes: the hash it contributes to the level above. */
export function hashTile(data: Uint8Array): Promise<Uint8Array> {
  if (data.length !== TILE_WIDTH * HASH_SIZE) throw invalidArgument('only a full tile is hashed upwards');
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < TILE_WIDTH; i++) hashes.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return merkleRoot(hashes);
}

/**
 * Appends `leafHashes` to a log of `oldSize` entries. `readTile` returns the log's stored tiles of the
 * old tree (only its right-edge partial tiles are read). Returns every new or grown tile, and the new
 * size and root hash.
 */
export async function appendToTiles(
  oldSize: number,
  leafHashes: readonly Uint8Array[],
  readTile: TileReader,
): Promise<{ size: number; root: Uint8Array; tiles: TileData[] }> {
  assertIndex(oldSize, 'tree size');
  if (leafHashes.some((h) => h.length !== HASH_SIZE)) throw invalidArgument('leaf hashes must be 32 bytes');
  const newSize = oldSize + leafHashes.length;
  assertIndex(newSize, 'tree size');
  const written: TileData[] = [];
  let fresh: readonly Uint8Array[] = leafHashes;
  let before = oldSize; // hashes at this level before the append: floor(oldSize / 256^level)
  for (let level = 0; fresh.length > 0; level++) {
    const end = before + fresh.length;
    const promoted: Uint8Array[] = [];
    for (let index = Math.floor(before / TILE_WIDTH); index * TILE_WIDTH < end; index++) {
      const tileStart = index * TILE_WIDTH;
      const kept = Math.max(0, before - tileStart);
      let prefix: Uint8Array = new Uint8Array(0);
      if (kept > 0) {
        const old = await readTile({ level, index, width: kept });
        if (old.length < kept * HASH_SIZE)
          throw malformed(`stored tile ${tilePath({ level, index, width: kept })}`);
        prefix = old.subarray(0, kept * HASH_SIZE);
      }
      const from = Math.max(tileStart, before) - before;
      const to = Math.min(end, tileStart + TILE_WIDTH) - before;
      const data = concat(prefix, ...fresh.slice(from, to));
      const width = data.length / HASH_SIZE;
      written.push({ tile: { level, index, width }, data });
      if (width === TILE_WIDTH) promoted.push(await hashTile(data));
    }
    before = Math.floor(before / TILE_WIDTH);
    fresh = promoted;
  }
  const byPath = new Map(written.map((t) => [tilePath(t.tile), t.data]));
  const overlay: TileReader = (tile) => {
    // A node of the new tree may sit in a tile this append did not touch (an older full tile).
    const mine = byPath.get(tilePath({ ...tile, width: tileWidth(tile.level, tile.index, newSize) }));
    return mine ?? readTile(tile);
  };
  return { size: newSize, root: await rootFromTiles(newSize, overlay), tiles: written };
}
