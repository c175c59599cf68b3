/** c2sp.org/tlog-tiles paths and widths, with the spec's own examples. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTacitError } from '../../../shared/errors.ts';
import {
  encodeTileIndex,
  entriesPath,
  parseTilePath,
  rightEdgeTiles,
  tilePath,
  tileWidth,
} from '../../../shared/tlog/tile.ts';
import { fcParams } from '../../support/seed.ts';

describe('tile paths', () => {
  it('encodes the index in x-prefixed three-digit elements (spec example 1234067)', () => {
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(entriesPath(1234067, 256)).toBe('tile/entries/x001/x234/067');
    expect(entriesPath(0, 1)).toBe('tile/entries/000.p/1');
  });

  it('rejects impossible tiles', () => {
    for (const t of [
      { level: 64, index: 0, width: 1 },
      { level: 0, index: -1, width: 1 },
      { level: 0, index: 0, width: 0 },
      { level: 0, index: 0, width: 257 },
    ]) {
      expect(() => tilePath(t)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('parses exactly the canonical paths', () => {
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({
      kind: 'tile',
      tile: { level: 0, index: 1234067, width: 256 },
    });
    expect(parseTilePath('tile/63/000.p/255')).toEqual({
      kind: 'tile',
      tile: { level: 63, index: 0, width: 255 },
    });
    expect(parseTilePath('tile/entries/x001/000.p/3')).toEqual({ kind: 'entries', index: 1000, width: 3 });
    for (const bad of [
      'tile/0/1',
      'tile/00/000',
      'tile/64/000',
      'tile/0/x000/005',
      'tile/0/001/002',
      'tile/0/000.p/256',
      'tile/0/000.p/0',
      'tile/0/000.p/07',
      'tile/0/000.p/',
      '/tile/0/000',
      'tile/0/000/',
      'tile/data/000',
    ]) {
      expect(() => parseTilePath(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
    }
  });

  it('round-trips every tile through its path', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.maxSafeNat(),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          expect(parseTilePath(tilePath({ level, index, width }))).toEqual({
            kind: 'tile',
            tile: { level, index, width },
          });
        },
      ),
      fcParams(300),
    );
  });

  it('parseTilePath throws only TacitError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          parseTilePath(`tile/${s}`);
        } catch (e) {
          expect(isTacitError(e, 'ERR_MALFORMED')).toBe(true);
        }
      }),
      fcParams(300),
    );
  });
});

describe('tile widths', () => {
  it('matches the spec: a tree of 70,000 has 273 full level-0 tiles and partials of 112, 17 and 1', () => {
    expect(rightEdgeTiles(70000)).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(tileWidth(0, 272, 70000)).toBe(256);
    expect(tileWidth(1, 0, 70000)).toBe(256);
  });

  it('matches the spec: a tree of 256 has one full level-0 tile and a level-1 tile of width 1', () => {
    expect(rightEdgeTiles(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(rightEdgeTiles(0)).toEqual([]);
  });
});
