/**
 * The transparency log: an append-only Merkle log (RFC 6962 2.1 hashing) of receipt entries, made
 * durable with group commit and published as a C2SP tlog-tiles log with signed C2SP checkpoints.
 *
 * Ordering: a receipt names its own log index, so the index is handed out and the entry built in the
 * same synchronous step (`append(build)`); entries reach the file in index order with no holes, even
 * when many requests append at once.
 *
 * Group commit: appends that arrive while a durable write is in flight wait for the next one, which
 * takes them all in one write (file.ts: O_DSYNC, or write + fdatasync); each write also waits for the
 * event loop's check phase (setImmediate), so answers finishing in the same turn of the loop join it.
 * One request alone pays one sync; many concurrent requests share it, so the sync cost per request
 * falls as load rises (bench/trust: about 12 entries per write at 32 in flight instead of 6).
 *
 * Durability contract: `append` resolves only after the entry's bytes are synced; the gateway sends
 * a receipt (and so its answer) only after that. Checkpoints and tiles are published only for the
 * synced size, so a crash never takes back anything anyone has seen.
 */
import { TacitError } from '../../../shared/errors.ts';
import type { NoteSigner } from '../../../shared/note/keys.ts';
import { signCheckpoint } from '../../../shared/tlog/checkpoint.ts';
import { encodeEntryBundle } from '../../../shared/tlog/entries.ts';
import { TILE_WIDTH, type Tile, tileWidth } from '../../../shared/tlog/tile.ts';
import { encodeRecord, LogFile } from './file.ts';
import { leafHashSync, TileTree } from './tree.ts';

export interface LogOptions {
  /** The entries file (created if missing). */
  path: string;
  /** The log's origin line (c2sp.org/tlog-checkpoint), e.g. `tacit.local/receipts`. */
  origin: string;
  /** The log's note signer (Ed25519, c2sp.org/signed-note). */
  signer: NoteSigner;
}

interface Pending {
  record: Buffer;
  leaf: Uint8Array;
  resolve: (index: number) => void;
  reject: (e: unknown) => void;
  index: number;
}

export class TransparencyLog {
  private readonly tree = new TileTree();
  private readonly starts: number[] = [];
  private fileEnd = 0;
  /** Next index to hand out: durable size plus the entries waiting for a sync. */
  private next = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private failed: unknown = undefined;
  private signed: { size: number; note: Promise<string> } | undefined;
  /** Entries cut from a torn tail when the log was opened. */
  recoveredCutBytes = 0;
  /** Completed durable writes since open: entries appended per sync is the group-commit factor. */
  syncs = 0;

  private constructor(
    private readonly file: LogFile,
    readonly origin: string,
    private readonly signer: NoteSigner,
  ) {}

  static async open(opts: LogOptions): Promise<TransparencyLog> {
    const leaves: Uint8Array[] = [];
    const { file, recovered } = await LogFile.open(opts.path, (entry) => leaves.push(leafHashSync(entry)));
    const log = new TransparencyLog(file, opts.origin, opts.signer);
    for (const l of leaves) log.tree.push(l);
    log.starts.push(...recovered.starts);
    log.fileEnd = recovered.end;
    log.next = leaves.length;
    log.recoveredCutBytes = recovered.cut;
    return log;
  }

  /** Entries synced to disk: the size every checkpoint and tile describes. */
  get size(): number {
    return this.tree.size;
  }

  /**
   * Appends the entry `build(index)` at the next index and resolves with that index once it is
   * durable. `build` runs synchronously, before any other append can take the next index.
   */
  append(build: (index: number) => Uint8Array): Promise<number> {
    return this.appendMany((first) => [build(first)]);
  }

  /**
   * Appends the entries `build(first)` at `first`, `first + 1`... and resolves with `first` once all
   * of them are durable. `build` runs synchronously, so the indices it is given are the ones the
   * entries get. With `gathered`, the caller has already waited for the event loop's check phase
   * (the receipt issuer does, to batch its signatures), and the write starts without waiting again.
   */
  appendMany(
    build: (first: number) => readonly Uint8Array[],
    opts: { gathered?: boolean } = {},
  ): Promise<number> {
    if (this.failed !== undefined)
      return Promise.reject(new TacitError('ERR_TRANSPORT', 'transparency log is unavailable'));
    const first = this.next;
    let items: { record: Buffer; leaf: Uint8Array }[];
    try {
      items = build(first).map((entry) => ({ record: encodeRecord(entry), leaf: leafHashSync(entry) }));
    } catch (e) {
      return Promise.reject(e);
    }
    if (items.length === 0) return Promise.resolve(first);
    this.next += items.length;
    return new Promise<number>((resolve, reject) => {
      const last = items.length - 1;
      items.forEach((item, i) => {
        this.queue.push({
          ...item,
          index: first + i,
          // Only the last entry's sync settles the promise; a failed write rejects every entry.
          resolve: i === last ? () => resolve(first) : () => {},
          reject: i === last ? reject : () => {},
        });
      });
      if (!this.flushing) void this.flush(opts.gathered === true);
    });
  }

  private async flush(gathered: boolean): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0 && this.failed === undefined) {
      // Gather until the event loop's check phase: the answers whose I/O is ready in this turn of
      // the loop join this write instead of paying for the next one.
      if (!gathered) await new Promise<void>((r) => setImmediate(r));
      gathered = false;
      const batch = this.queue;
      this.queue = [];
      try {
        const starts = await this.file.append(batch.map((p) => p.record));
        this.syncs++;
        for (const [i, p] of batch.entries()) {
          this.tree.push(p.leaf);
          this.starts.push(starts[i]!);
          this.fileEnd = starts[i]! + p.record.length;
        }
        for (const p of batch) p.resolve(p.index);
      } catch (e) {
        // What reached the disk is unknown now: stop appending (recovery on restart decides), and
        // fail every waiting receipt rather than acknowledge something that may not be stored.
        this.failed = e;
        const err = new TacitError('ERR_TRANSPORT', 'transparency log write failed', { cause: e });
        for (const p of [...batch, ...this.queue]) p.reject(err);
        this.queue = [];
      }
    }
    this.flushing = false;
  }

  /** The root hash of the durable tree (or of the tree of `size` entries). */
  root(size = this.size): Uint8Array {
    return this.tree.root(size);
  }

  leafHash(index: number): Uint8Array {
    return this.tree.leaf(index);
  }

  /** The signed checkpoint of the durable tree (c2sp.org/tlog-checkpoint), cached per size. */
  checkpoint(): Promise<string> {
    const size = this.size;
    if (this.signed?.size !== size) {
      const note = signCheckpoint({ origin: this.origin, size, root: this.tree.root(size), extensions: [] }, [
        this.signer,
      ]);
      this.signed = { size, note };
      note.catch(() => {
        if (this.signed?.note === note) this.signed = undefined;
      });
    }
    return this.signed.note;
  }

  /** A hash tile's bytes, or undefined when the durable tree has no such tile. */
  tile(t: Tile): Uint8Array | undefined {
    return this.tree.tile(t, this.size);
  }

  /** An entry bundle (c2sp.org/tlog-tiles "Log entries"), or undefined when it does not exist. */
  async entries(index: number, width: number): Promise<Uint8Array | undefined> {
    const size = this.size;
    const available = tileWidth(0, index, size);
    if (available === 0 || width > available) return undefined;
    const from = index * TILE_WIDTH;
    const to = from + width;
    const end = to < this.starts.length ? this.starts[to]! : this.fileEnd;
    return encodeEntryBundle(await this.file.readEntries(this.starts, from, to, end));
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
    await this.file.close();
  }
}
