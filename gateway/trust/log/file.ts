/**
 * The log's durable storage: one append-only file of length- and checksum-framed entries.
 *
 *   file   = magic record*
 *   magic  = "tacit-log v1\n"
 *   record = uint32 length (big-endian, 1..65535) || uint32 CRC-32 of entry || entry
 *
 * The entries file is the only source of truth: tiles, roots and checkpoints are derived from it
 * (tree.ts), so they can never disagree with what was stored.
 *
 * Crash safety: an entry counts as stored only once its write is durable, and no receipt naming it
 * leaves the gateway before that (log.ts). The file is opened with O_DSYNC where the platform has it
 * (Linux, macOS): each write then returns only after its data, and the metadata needed to read it
 * back, are on stable storage, as write + fdatasync would guarantee, in one thread-pool round trip
 * instead of two (each of which waits for a turn of a busy event loop). Elsewhere `append` writes,
 * then calls fdatasync. A crash can leave the file with a torn
 * last record, a zero-filled tail, or garbage after the last synced byte (pages written out of order);
 * recovery keeps the longest prefix of well-formed records whose checksums match and cuts the rest.
 * Everything cut was written after the last completed sync, so it was never acknowledged.
 */
import { closeSync, constants, fsyncSync, openSync, readSync, write } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { invalidArgument, TacitError } from '../../../shared/errors.ts';

const MAGIC = Buffer.from('tacit-log v1\n');
/** 0 where the platform has no O_DSYNC (Windows): then every append ends with fdatasync. */
const DSYNC: number = typeof constants.O_DSYNC === 'number' ? constants.O_DSYNC : 0;
const HEADER = 8;
export const MAX_ENTRY = 0xffff;

export function encodeRecord(entry: Uint8Array): Buffer {
  if (entry.length === 0 || entry.length > MAX_ENTRY)
    throw invalidArgument('log entry must be 1..65535 bytes');
  const out = Buffer.allocUnsafe(HEADER + entry.length);
  out.writeUInt32BE(entry.length, 0);
  out.writeUInt32BE(crc32(entry), 4);
  out.set(entry, HEADER);
  return out;
}

export interface Recovered {
  /** File offset of each well-formed record, in order. */
  readonly starts: number[];
  /** Offset just past the last good record: where the next append goes. */
  readonly end: number;
  /** Bytes cut from the tail (0 after a clean shutdown). */
  readonly cut: number;
}

/**
 * Scans the file, calling `onEntry` for each good record in order, and returns where the good
 * prefix ends. Reads in 1 MiB blocks, so a long log does not have to fit in memory at once.
 */
function scan(fd: number, size: number, onEntry: (entry: Uint8Array, index: number) => void): Recovered {
  const starts: number[] = [];
  let buf = Buffer.alloc(1 << 20);
  let bufStart = MAGIC.length; // file offset of buf[0]
  let bufLen = 0;
  let pos = MAGIC.length;
  const fill = (need: number): boolean => {
    // Make buf hold [pos, pos + need); false when the file ends first.
    if (pos + need > size) return false;
    if (pos >= bufStart && pos + need <= bufStart + bufLen) return true;
    if (need > buf.length) buf = Buffer.alloc(need);
    bufStart = pos;
    bufLen = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    return bufLen >= need;
  };
  for (;;) {
    if (!fill(HEADER)) break;
    const o = pos - bufStart;
    const len = buf.readUInt32BE(o);
    const sum = buf.readUInt32BE(o + 4);
    if (len === 0 || len > MAX_ENTRY || !fill(HEADER + len)) break;
    const entry = buf.subarray(pos - bufStart + HEADER, pos - bufStart + HEADER + len);
    if (crc32(entry) !== sum) break;
    onEntry(new Uint8Array(entry), starts.length);
    starts.push(pos);
    pos += HEADER + len;
  }
  return { starts, end: pos, cut: size - pos };
}

export class LogFile {
  private constructor(
    private readonly handle: FileHandle,
    /** Offset where the next record goes (after every record handed to `write`). */
    private end: number,
  ) {}

  /**
   * Opens (or creates) the log file, recovers its good prefix and cuts any torn tail durably before
   * the first new append, so a later recovery never sees new records behind old garbage.
   */
  static async open(
    path: string,
    onEntry: (entry: Uint8Array, index: number) => void,
  ): Promise<{ file: LogFile; recovered: Recovered }> {
    const handle = await open(path, 'a+', 0o600).then(async (h) => {
      await h.close();
      return open(path, constants.O_RDWR | DSYNC);
    });
    try {
      const size = (await handle.stat()).size;
      if (size === 0) {
        await handle.write(MAGIC, 0, MAGIC.length, 0);
        await handle.sync();
        syncDir(dirname(path));
      } else {
        const head = Buffer.alloc(MAGIC.length);
        await handle.read(head, 0, MAGIC.length, 0);
        if (!head.equals(MAGIC)) {
          // A crash while creating the file can leave a torn magic, and nothing after it was ever
          // acknowledged; anything longer than the magic is someone else's file: refuse to touch it.
          if (size > MAGIC.length || !MAGIC.subarray(0, size).equals(head.subarray(0, size)))
            throw new TacitError('ERR_MALFORMED', `${path} is not a tacit log file`);
          await handle.truncate(0);
          await handle.write(MAGIC, 0, MAGIC.length, 0);
          await handle.sync();
        }
      }
      const recovered = scan(handle.fd, Math.max(size, MAGIC.length), onEntry);
      if (recovered.cut > 0) {
        await handle.truncate(recovered.end);
        await handle.sync();
      }
      return { file: new LogFile(handle, recovered.end), recovered };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /**
   * Writes records at the end (positional, so a failed write never shifts later ones) and resolves
   * once they survive power loss (O_DSYNC, or fdatasync after the write).
   */
  async append(records: readonly Buffer[]): Promise<number[]> {
    const starts: number[] = [];
    let off = this.end;
    for (const r of records) {
      starts.push(off);
      off += r.length;
    }
    const whole = records.length === 1 ? records[0]! : Buffer.concat(records);
    let done = 0;
    while (done < whole.length) done += await writeAt(this.handle.fd, whole, done, this.end + done);
    if (DSYNC === 0) await this.handle.datasync();
    this.end = off;
    return starts;
  }

  /** Reads the entries of records [from, to) given their start offsets and the end of the last. */
  async readEntries(starts: readonly number[], from: number, to: number, end: number): Promise<Uint8Array[]> {
    const a = starts[from]!;
    const b = to < starts.length ? starts[to]! : end;
    const buf = Buffer.alloc(b - a);
    await this.handle.read(buf, 0, buf.length, a);
    const out: Uint8Array[] = [];
    let o = 0;
    while (o < buf.length) {
      const len = buf.readUInt32BE(o);
      out.push(new Uint8Array(buf.subarray(o + HEADER, o + HEADER + len)));
      o += HEADER + len;
    }
    return out;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * One positional write through the callback API on the handle's descriptor: the write of every group
 * commit, and FileHandle.write's promise machinery cost more main-thread time than the call itself.
 */
function writeAt(fd: number, buf: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, buf, offset, buf.length - offset, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** A new file's directory entry must be synced too, or the file itself can vanish in a crash. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the file's own sync is the best we can do there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
