/**
 * Tiles as a log writes them and as a client reads them: contents follow the c2sp.org/tlog-tiles
 * formula, and proofs computed from tiles equal RFC 6962 proofs and verify against the root.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat } from '../../../shared/bytes.ts';
import { consistencyProof } from '../../../shared/merkle/consistency.ts';
import { leafHash } from '../../../shared/merkle/hash.ts';
import { inclusionProof } from '../../../shared/merkle/inclusion.ts';
import { merkleRoot, nodeReaderFromArray, rangeHash, rootHash } from '../../../shared/merkle/tree.ts';
import { decodeEntryBundle, encodeEntryBundle, verifyEntryBundle } from '../../../shared/tlog/entries.ts';
import { type Tile, tilePath } from '../../../shared/tlog/tile.ts';
import {
  consistencyProofFromTiles,
  consistencyTiles,
  inclusionProofFromTiles,
  inclusionTiles,
  rootFromTiles,
  rootTiles,
  type TileReader,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
} from '../../../shared/tlog/tile-reader.ts';
import { appendToTiles } from '../../../shared/tlog/tile-writer.ts';
import { fcParams } from '../../support/seed.ts';

/** Deterministic stand-ins for leaf hashes (any 32 bytes will do for the tree arithmetic). */
function fakeLeaves(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    const h = new Uint8Array(32);
    for (let j = 0; j < 32; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      h[j] = x >>> 24;
    }
    out.push(h);
  }
  return out;
}

/** A log's tile storage: every tile ever written, by path. */
class MemoryTiles {
  readonly store = new Map<string, Uint8Array>();
  readonly reads: string[] = [];
  size = 0;
  read = (t: Tile): Uint8Array => {
    const p = tilePath(t);
    this.reads.push(p);
    const d = this.store.get(p);
    if (!d) throw new Error(`missing tile ${p}`);
    return d;
  };
  async append(hashes: Uint8Array[]): Promise<Uint8Array> {
    const r = await appendToTiles(this.size, hashes, this.read);
    for (const t of r.tiles) this.store.set(tilePath(t.tile), t.data);
    this.size = r.size;
    return r.root;
  }
}

const N = 1500;
const leaves = fakeLeaves(N);
const reader = nodeReaderFromArray(leaves);

async function buildLog(batches: number[]): Promise<MemoryTiles> {
  const log = new MemoryTiles();
  let at = 0;
  for (const b of batches) {
    const root = await log.append(leaves.slice(at, at + b));
    at += b;
    expect(root).toEqual(await rootHash(at, reader));
  }
  return log;
}

describe('writing tiles', () => {
  it('fills tiles with MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l]) and serves each checkpoint size', async () => {
    const log = await buildLog([1, 254, 1, 1, 300, 700, 243]); // 1500 entries
    for (const [path, data] of log.store) {
      const m = /^tile\/(\d+)\/(\d+)(?:\.p\/(\d+))?$/.exec(path)!;
      const [level, index, width] = [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 256];
      expect(data.length).toBe(width * 32);
      const span = 256 ** level;
      for (let i = 0; i < width; i++) {
        const lo = (index * 256 + i) * span;
        expect(data.subarray(i * 32, (i + 1) * 32)).toEqual(await rangeHash(lo, lo + span, reader));
      }
    }
    // One full level-0 tile per 256 entries, partial tiles for every size a batch ended at.
    expect(log.store.has('tile/0/004')).toBe(true);
    expect(log.store.has('tile/0/005.p/220')).toBe(true);
    expect(log.store.has('tile/1/000.p/5')).toBe(true);
    expect(log.store.has('tile/0/000.p/255')).toBe(true);
    expect(log.store.has('tile/1/000.p/1')).toBe(true);
  });

  it('builds the same tiles whatever the batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        async (batches) => {
          const log = await buildLog(batches);
          const one = await buildLog([log.size]);
          for (const [p, d] of one.store) expect(log.store.get(p)).toEqual(d);
        },
      ),
      fcParams(8),
    );
  });

  it('completes a level-1 tile into a level-2 tile at 65,536 entries', async () => {
    // The writer reads only the right-edge partial tiles of the old tree, so fake ones stand in
    // for the 65,535 entries before (building them for real would take 65k hashes).
    const l0 = concat(...fakeLeaves(255));
    const l1 = concat(...fakeLeaves(300).slice(45));
    const old: TileReader = (t) => {
      const p = tilePath(t);
      if (p === 'tile/0/255.p/255') return l0;
      if (p === 'tile/1/000.p/255') return l1;
      throw new Error(`unexpected read of ${p}`);
    };
    const last = leaves[0]!;
    const r = await appendToTiles(65535, [last], old);
    const written = new Map(r.tiles.map((t) => [tilePath(t.tile), t.data]));
    expect([...written.keys()]).toEqual(['tile/0/255', 'tile/1/000', 'tile/2/000.p/1']);
    const full0 = written.get('tile/0/255')!;
    expect(full0).toEqual(concat(l0, last));
    const full1 = written.get('tile/1/000')!;
    expect(full1.subarray(0, 255 * 32)).toEqual(l1);
    const split = (d: Uint8Array) =>
      Array.from({ length: d.length / 32 }, (_, i) => d.subarray(i * 32, i * 32 + 32));
    expect(full1.subarray(255 * 32)).toEqual(await merkleRoot(split(full0)));
    expect(written.get('tile/2/000.p/1')).toEqual(await merkleRoot(split(full1)));
    expect(r.size).toBe(65536);
    expect(r.root).toEqual(written.get('tile/2/000.p/1'));
  });
});

describe('proofs from tiles', () => {
  let log: MemoryTiles;

  it('computes inclusion and consistency proofs equal to RFC 6962 ones, reading only the tiles it names', async () => {
    log = await buildLog([256, 1, 255, 3, 600, 385]); // checkpoints at 256, 257, 512, 515, 1115, 1500
    const sizes = [256, 257, 512, 515, 1115, 1500];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sizes),
        fc.nat(),
        fc.constantFrom(...sizes),
        async (size, i, other) => {
          const index = i % size;
          log.reads.length = 0;
          const proof = await inclusionProofFromTiles(index, size, log.read);
          expect(proof).toEqual(await inclusionProof(index, size, reader));
          expect(new Set(log.reads)).toEqual(new Set(inclusionTiles(index, size).map(tilePath)));
          const root = await rootHash(size, reader);
          await verifyInclusionFromTiles(leaves[index]!, index, { size, root }, log.read);

          const [m, n] = other <= size ? [other, size] : [size, other];
          log.reads.length = 0;
          expect(await consistencyProofFromTiles(m, n, log.read)).toEqual(
            await consistencyProof(m, n, reader),
          );
          expect(new Set(log.reads)).toEqual(new Set(consistencyTiles(m, n).map(tilePath)));
          await verifyConsistencyFromTiles(
            { size: m, root: await rootHash(m, reader) },
            { size: n, root: await rootHash(n, reader) },
            log.read,
          );
          log.reads.length = 0;
          expect(await rootFromTiles(size, log.read)).toEqual(root);
          expect(new Set(log.reads)).toEqual(new Set(rootTiles(size).map(tilePath)));
        },
      ),
      fcParams(40),
    );
  });

  it('uses the prefix of a wider tile when the partial one is gone', async () => {
    const root = await rootHash(257, reader);
    const fullOnly: TileReader = (t: Tile) => log.read(t.level === 1 ? t : { ...t, width: 256 });
    const widest: TileReader = (t: Tile) =>
      t.level === 0 && t.index === 1 ? log.store.get('tile/0/001')! : log.read(t);
    await verifyInclusionFromTiles(leaves[256]!, 256, { size: 257, root }, widest);
    await verifyInclusionFromTiles(leaves[3]!, 3, { size: 257, root }, fullOnly);
  });

  it('rejects a proof from any tampered tile, and misshapen tiles', async () => {
    const size = 1115;
    const root = await rootHash(size, reader);
    await fc.assert(
      fc.asyncProperty(fc.nat(size - 1), fc.nat(), async (index, pick) => {
        const needed = inclusionTiles(index, size);
        const victim = tilePath(needed[pick % needed.length]!);
        const tampered: TileReader = (t) => {
          const d = log.read(t);
          return tilePath(t) === victim ? d.map((b) => b ^ 0x01) : d;
        };
        await expect(
          verifyInclusionFromTiles(leaves[index]!, index, { size, root }, tampered),
        ).rejects.toMatchObject({
          code: 'ERR_VERIFY',
        });
      }),
      fcParams(40),
    );
    const short: TileReader = (t) => log.read(t).subarray(0, 31);
    await expect(verifyInclusionFromTiles(leaves[0]!, 0, { size, root }, short)).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
    });
    await expect(verifyInclusionFromTiles(leaves[1]!, 0, { size, root }, log.read)).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
  });
});

describe('entry bundles', () => {
  it('round-trips entries with uint16 length prefixes and matches the level-0 tile', async () => {
    const entries = [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(300).fill(9)];
    const bundle = encodeEntryBundle(entries);
    expect(Array.from(bundle.subarray(0, 5))).toEqual([0, 0, 0, 3, 1]);
    expect(decodeEntryBundle(bundle)).toEqual(entries);
    const tile = concat(...(await Promise.all(entries.map(leafHash))));
    await verifyEntryBundle(entries, tile);
    await expect(verifyEntryBundle([entries[0]!, entries[2]!, entries[1]!], tile)).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
  });

  it('throws only truncated or malformed errors on bad bundles', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeEntryBundle(b);
        } catch (e) {
          expect(['ERR_TRUNCATED', 'ERR_MALFORMED']).toContain((e as { code: string }).code);
        }
      }),
      fcParams(300),
    );
    expect(() => decodeEntryBundle(Uint8Array.of(0, 5, 1))).toThrow(
      expect.objectContaining({ code: 'ERR_TRUNCATED' }),
    );
  });
});
