/**
 * C2SP tlog-tiles coordinates and paths (c2sp.org/tlog-tiles "Merkle Tree", "Log entries").
 *
 * A tile at level L, index N holds up to 256 consecutive Merkle Tree Hashes:
 *   MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]),  i = 0..W-1
 * i.e. the hashes of the complete subtrees of height 8L. Level 0 tiles hold leaf hashes.
 *
 *   tile/<L>/<N>[.p/<W>]          L: 0..63, no leading zeroes
 *   tile/entries/<N>[.p/<W>]      W: 1..255, present only for partial tiles
 *
 * N is written as zero-padded three-digit path elements, all but the last prefixed with `x`:
 * 1234067 -> x001/x234/067.
 */
import { invalidArgument, malformed } from '../errors.ts';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

export interface Tile {
  readonly level: number;
  readonly index: number;
  /** Number of hashes, 1..256; 256 is a full tile. */
  readonly width: number;
}

function checkTile(t: Tile): void {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > 63)
    throw invalidArgument('tile level must be 0..63');
  if (!Number.isSafeInteger(t.index) || t.index < 0)
    throw invalidArgument('tile index must be a non-negative safe integer');
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH)
    throw invalidArgument('tile width must be 1..256');
}

/** 1234067 -> "x001/x234/067". */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw invalidArgument('tile index must be a non-negative safe integer');
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

export function tilePath(t: Tile): string {
  checkTile(t);
  return `tile/${t.level}/${encodeTileIndex(t.index)}${widthSuffix(t.width)}`;
}

/** The entry bundle beside level-0 tile `index` (same N and W). */
export function entriesPath(index: number, width: number): string {
  checkTile({ level: 0, index, width });
  return `tile/entries/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

export type ParsedTilePath = { kind: 'tile'; tile: Tile } | { kind: 'entries'; index: number; width: number };

/**
 * Parses a path below the log prefix (as a server routes it). Accepts only the canonical form, so
 * each resource has exactly one name. Throws ERR_MALFORMED.
 */
export function parseTilePath(path: string): ParsedTilePath {
  const m = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(
    path,
  );
  if (!m) throw malformed('tile path');
  const groups = m[2]!.split('/').map((g) => g.replace('x', ''));
  // No leading zero groups: index 5 is "005", never "x000/005".
  if (groups.length > 1 && groups[0] === '000') throw malformed('tile path (non-canonical index)');
  if (groups.length > 6) throw malformed('tile path (index too large)');
  const index = groups.reduce((acc, g) => acc * 1000 + Number(g), 0);
  // `.p/<W>` marks a partial tile only: W is 1..255.
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if ((m[3] !== undefined && width >= TILE_WIDTH) || !Number.isSafeInteger(index))
    throw malformed('tile path');
  if (m[1] === 'entries') return { kind: 'entries', index, width };
  const level = Number(m[1]);
  if (level > 63) throw malformed('tile path (level)');
  return { kind: 'tile', tile: { level, index, width } };
}

/**
 * Width of tile (level, index) in a tree of `treeSize` entries: c2sp.org/tlog-tiles "Partial Tiles",
 * floor(s / 256^L) hashes exist at level L. Zero means the tile does not exist yet.
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  const count = Math.floor(treeSize / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, count - index * TILE_WIDTH));
}

/** Every tile a log of `treeSize` serves on its right edge: the last (possibly partial) tile per level. */
export function rightEdgeTiles(treeSize: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; level <= 63; level++) {
    const count = Math.floor(treeSize / TILE_WIDTH ** level);
    if (count === 0) break;
    const index = Math.floor((count - 1) / TILE_WIDTH);
    out.push({ level, index, width: tileWidth(level, index, treeSize) });
  }
  return out;
}
