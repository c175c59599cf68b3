/**
 * The gateway's transparency log: RFC 6962 known answers, tiles and roots byte-equal to the shared
 * tile writer, proofs that verify from served tiles, group commit order, and recovery from a torn tail.
 */
import {
  appendFileSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TransparencyLog } from '../../gateway/trust/log/log.ts';
import { leafHashSync, nodeHashSync, TileTree } from '../../gateway/trust/log/tree.ts';
import { bytesToHex, hexToBytes, utf8 } from '../../shared/bytes.ts';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../shared/note/keys.ts';
import { openCheckpoint } from '../../shared/tlog/checkpoint.ts';
import { decodeEntryBundle, verifyEntryBundle } from '../../shared/tlog/entries.ts';
import { type Tile, tilePath } from '../../shared/tlog/tile.ts';
import {
  type TileReader,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
} from '../../shared/tlog/tile-reader.ts';
import { appendToTiles } from '../../shared/tlog/tile-writer.ts';
import { fcParams } from '../support/seed.ts';
import { loadVector } from '../support/vectors.ts';

const ORIGIN = 'tacit.test/receipts';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tacit-log-'));
  dirs.push(d);
  return d;
}

async function logKeys() {
  const k = await generateNoteKey(ORIGIN, new Uint8Array(32).fill(7));
  return { signer: await parseSignerKey(k.signerKey), verifier: await parseVerifierKey(k.verifierKey) };
}

function reader(log: TransparencyLog): TileReader {
  return (t: Tile) => {
    const d = log.tile(t);
    if (d === undefined) throw new Error(`no tile ${tilePath(t)}`);
    return d;
  };
}

/** RFC 6962 2.1 MTH by its recursive definition: an independent reference for big trees. */
function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHashSync(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const entry = (i: number) => utf8.encode(`entry number ${i}`);

describe('tile tree', () => {
  it('gives the RFC 6962 roots of the Certificate Transparency test vectors', () => {
    const v = loadVector<{
      leaves_hex: string[];
      roots_by_tree_size: Record<string, string>;
      empty_tree_root: string;
    }>('rfc6962-merkle-vectors.json');
    const tree = new TileTree();
    expect(bytesToHex(tree.root())).toBe(v.empty_tree_root);
    for (const leaf of v.leaves_hex) tree.push(leafHashSync(hexToBytes(leaf)));
    for (const [size, root] of Object.entries(v.roots_by_tree_size)) {
      expect(bytesToHex(tree.root(Number(size)))).toBe(root);
    }
  });

  it('holds exactly the tiles and root that shared/tlog appendToTiles writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 4 }),
        async (batches) => {
          const tree = new TileTree();
          const store = new Map<string, Uint8Array>();
          let size = 0;
          let n = 0;
          for (const count of batches) {
            const leaves = Array.from({ length: count }, () => leafHashSync(entry(n++)));
            const r = await appendToTiles(size, leaves, (t) => store.get(tilePath(t)) ?? new Uint8Array(0));
            for (const t of r.tiles) store.set(tilePath(t.tile), t.data);
            for (const l of leaves) tree.push(l);
            size = r.size;
            expect(bytesToHex(tree.root())).toBe(bytesToHex(r.root));
            for (const t of r.tiles) expect(bytesToHex(tree.tile(t.tile)!)).toBe(bytesToHex(t.data));
          }
        },
      ),
      fcParams(25),
    );
  });

  it('reaches tile level 2 (65536 entries) with the RFC 6962 root', async () => {
    const tree = new TileTree();
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < 65_537; i++) {
      const h = leafHashSync(Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16));
      leaves.push(h);
      tree.push(h);
    }
    expect(bytesToHex(tree.root())).toBe(bytesToHex(mth(leaves)));
    expect(tree.tile({ level: 2, index: 0, width: 1 })).toBeDefined();
    expect(tree.tile({ level: 2, index: 0, width: 2 })).toBeUndefined();
  });
});

describe('transparency log', () => {
  it('appends concurrently in index order, durably, and proves every entry from its tiles', async () => {
    const dir = tempDir();
    const { signer, verifier } = await logKeys();
    const log = await TransparencyLog.open({ path: join(dir, 'log'), origin: ORIGIN, signer });
    const got = await Promise.all(Array.from({ length: 600 }, () => log.append((i) => entry(i))));
    expect(got).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(log.size).toBe(600);

    const cp = await openCheckpoint(await log.checkpoint(), [verifier], ORIGIN);
    expect(cp.size).toBe(600);
    for (const i of [0, 255, 256, 511, 599]) {
      await verifyInclusionFromTiles(leafHashSync(entry(i)), i, cp, reader(log));
    }
    await expect(verifyInclusionFromTiles(leafHashSync(entry(5)), 6, cp, reader(log))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
    // Entry bundles hash to their level-0 tiles.
    const bundle = decodeEntryBundle((await log.entries(2, 88))!);
    expect(utf8.decode(bundle[0]!)).toBe('entry number 512');
    await verifyEntryBundle(bundle, log.tile({ level: 0, index: 2, width: 88 })!);
    expect(await log.entries(2, 89)).toBeUndefined();
    expect(log.tile({ level: 0, index: 3, width: 1 })).toBeUndefined();
    await log.close();
  });

  it('refuses an entry it could not frame, without taking an index', async () => {
    const { signer } = await logKeys();
    const log = await TransparencyLog.open({ path: join(tempDir(), 'log'), origin: ORIGIN, signer });
    await expect(log.append(() => new Uint8Array(70_000))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(
      log.append(() => {
        throw new Error('signer failed');
      }),
    ).rejects.toThrow('signer failed');
    expect(await log.append(entry)).toBe(0);
    await log.close();
  });

  it.each([
    ['a torn record header', (p: string) => appendFileSync(p, Buffer.of(0, 0, 1))],
    ['a torn record body', (p: string) => appendFileSync(p, Buffer.of(0, 0, 0, 20, 1, 2, 3, 4, 5, 6))],
    ['a zero-filled tail', (p: string) => appendFileSync(p, Buffer.alloc(4096))],
    [
      'a record with a bad checksum',
      (p: string) => appendFileSync(p, Buffer.of(0, 0, 0, 2, 0, 0, 0, 0, 9, 9)),
    ],
    ['a last record cut in half', (p: string) => truncateSync(p, statSync(p).size - 7)],
  ])('recovers from %s: keeps the good prefix, stays consistent, appends again', async (_, damage) => {
    const dir = tempDir();
    const path = join(dir, 'log');
    const { signer, verifier } = await logKeys();
    let log = await TransparencyLog.open({ path, origin: ORIGIN, signer });
    for (let i = 0; i < 300; i++) await log.append(entry);
    const before = await openCheckpoint(await log.checkpoint(), [verifier], ORIGIN);
    await log.close();

    damage(path);
    log = await TransparencyLog.open({ path, origin: ORIGIN, signer });
    const lostLast = log.size === 299;
    expect(log.size === 300 || lostLast).toBe(true);
    expect(log.recoveredCutBytes).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) await log.append(entry);
    const after = await openCheckpoint(await log.checkpoint(), [verifier], ORIGIN);
    if (!lostLast) await verifyConsistencyFromTiles(before, after, reader(log));
    for (const i of [0, 150, log.size - 1])
      await verifyInclusionFromTiles(log.leafHash(i), i, after, reader(log));
    const bundle = decodeEntryBundle((await log.entries(1, log.size - 256))!);
    expect(utf8.decode(bundle.at(-1)!)).toBe(`entry number ${log.size - 1}`);
    await log.close();

    // A clean reopen cuts nothing more.
    log = await TransparencyLog.open({ path, origin: ORIGIN, signer });
    expect(log.recoveredCutBytes).toBe(0);
    expect(log.size).toBe(after.size);
    await log.close();
  });

  // Durability rests on this flag where the platform has it: without it, append would acknowledge
  // entries that are only in the page cache.
  it.runIf(platform() === 'linux')('writes its entries file through an O_DSYNC descriptor', async () => {
    const path = join(tempDir(), 'log');
    const { signer } = await logKeys();
    const log = await TransparencyLog.open({ path, origin: ORIGIN, signer });
    const fds = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
    expect(fds).toHaveLength(1);
    const flags = readFileSync(`/proc/self/fdinfo/${fds[0]}`, 'utf8').match(/^flags:\s+([0-7]+)$/m)![1]!;
    expect(Number.parseInt(flags, 8) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    await log.close();
  });

  it('refuses to take over a file that is not a tacit log', async () => {
    const path = join(tempDir(), 'other');
    writeFileSync(path, 'precious data that is not a log\n');
    const { signer } = await logKeys();
    await expect(TransparencyLog.open({ path, origin: ORIGIN, signer })).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
    });
    expect(readFileSync(path, 'utf8')).toBe('precious data that is not a log\n');
  });
});
