/**
 * The pieces together, as the gateway and the SDK will use them: receipts are logged as tlog entries,
 * the log signs a checkpoint, and a client proves its own receipt is in the log from tiles alone.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes.ts';
import { leafHash } from '../../../shared/merkle/hash.ts';
import {
  ed25519PublicKeyOfSeed,
  generateNoteKey,
  importEd25519Seed,
  parseSignerKey,
  parseVerifierKey,
} from '../../../shared/note/keys.ts';
import {
  decodeReceiptField,
  encodeReceiptField,
  receiptLogEntry,
  verifyReceipt,
} from '../../../shared/receipt/field.ts';
import {
  bucketTokens,
  commit,
  type Receipt,
  receiptKeyId,
  signReceipt,
} from '../../../shared/receipt/receipt.ts';
import { openCheckpoint, signCheckpoint } from '../../../shared/tlog/checkpoint.ts';
import { decodeEntryBundle, encodeEntryBundle, verifyEntryBundle } from '../../../shared/tlog/entries.ts';
import { entriesPath, type Tile, tilePath } from '../../../shared/tlog/tile.ts';
import { verifyInclusionFromTiles } from '../../../shared/tlog/tile-reader.ts';
import { appendToTiles } from '../../../shared/tlog/tile-writer.ts';

const ORIGIN = 'log.tacit.example/receipts';

describe('receipt transparency', () => {
  it('logs receipts, signs a checkpoint, and proves a client receipt from tiles', async () => {
    const receiptSeed = new Uint8Array(32).fill(0x31);
    const receiptKey = await importEd25519Seed(receiptSeed);
    const receiptPub = await ed25519PublicKeyOfSeed(receiptSeed);
    const logKey = await generateNoteKey(ORIGIN, new Uint8Array(32).fill(0x32));

    // Gateway: 300 answers, each with its own salt; the log keeps entries and tiles.
    const fields: string[] = [];
    const entries: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const salt = new Uint8Array(32).fill(i & 0xff);
      const r: Receipt = {
        v: 1,
        kid: await receiptKeyId(receiptPub),
        logIndex: i,
        time: 1748781240,
        model: `sha256:${'ab'.repeat(32)}`,
        measurement: 'cd'.repeat(32),
        request: await commit(salt, 'request', utf8.encode(`request ${i}`)),
        response: await commit(salt, 'response', utf8.encode(`response ${i}`)),
        sampling: { temperature: 0 },
        seed: null,
        usage: { prompt: bucketTokens(10), completion: bucketTokens(i) },
      };
      const { canonical, signature } = await signReceipt(r, receiptKey);
      fields.push(encodeReceiptField(canonical, signature, salt));
      entries.push(receiptLogEntry(canonical, signature));
    }
    const store = new Map<string, Uint8Array>();
    const read = (t: Tile) => store.get(tilePath(t)) ?? new Uint8Array(0);
    const { root, size, tiles } = await appendToTiles(0, await Promise.all(entries.map(leafHash)), read);
    for (const t of tiles) store.set(tilePath(t.tile), t.data);
    store.set(entriesPath(1, 44), encodeEntryBundle(entries.slice(256)));
    const checkpoint = await signCheckpoint({ origin: ORIGIN, size, root, extensions: [] }, [
      await parseSignerKey(logKey.signerKey),
    ]);

    // Client: got answer 257 with its receipt field; checks it, then its inclusion in the log.
    const mine = decodeReceiptField(fields[257]!);
    await verifyReceipt(mine, {
      publicKey: receiptPub,
      request: utf8.encode('request 257'),
      response: utf8.encode('response 257'),
    });
    const cp = await openCheckpoint(checkpoint, [await parseVerifierKey(logKey.verifierKey)], ORIGIN);
    const leaf = await leafHash(receiptLogEntry(mine.canonical, mine.signature));
    await verifyInclusionFromTiles(leaf, mine.receipt.logIndex, cp, read);
    await expect(verifyInclusionFromTiles(leaf, 256, cp, read)).rejects.toMatchObject({ code: 'ERR_VERIFY' });

    // A monitor: the entry bundle matches the level-0 tile the checkpoint covers.
    const bundle = decodeEntryBundle(store.get('tile/entries/001.p/44')!);
    await verifyEntryBundle(bundle, store.get('tile/0/001.p/44')!);
    expect(utf8.decode(bundle[1]!)).not.toContain(fields[257]!.split('.')[2]!);
  });
});
