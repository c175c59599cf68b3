/**
 * The cell framer: cuts one indeterminate-length Binary HTTP response (RFC 9292 3.2) into cells of
 * exactly `cellSize` bytes, one per tick, whether or not the target has produced anything. Each cell
 * becomes one chunk of a chunked OHTTP response (draft-ietf-ohai-chunked-ohttp-08 6.2), so every
 * sealed chunk on the wire has the same size and only the count of cells (bucketed by the pacer)
 * says anything about the answer.
 *
 * Cells are slices of one byte stream that the client's streaming decoder reads as an ordinary
 * message; what fills a cell when too little is ready:
 *   - before the message ends: content that the application layer ignores. For server-sent events
 *     that is a comment line (`:` ... LF, HTML "Server-sent events" 9.2.6: lines starting with a colon
 *     are ignored), placed only at a line start. Real bytes are released only up to the last complete
 *     event (LF LF), so a comment never lands inside a line that is still being written.
 *   - after the message ends: zero bytes, the padding RFC 9292 3.8 allows after any message.
 * Content chunks carry a 2-byte length (RFC 9292 3.2 with RFC 9000 16 varints; a decoder must
 * accept non-minimal lengths, RFC 9292 3) so that a cell is filled to the byte. When the head ends
 * 1-3 bytes before a cell boundary, the next chunk's length header straddles the boundary (a 4-byte
 * varint for 3) and the chunk's content fills the next cell exactly.
 *
 * Opaque (non-SSE) content has no filler a client would ignore: such a body is released only once it
 * is complete (the pacer sends no cell before that; see pace.ts).
 */
import { invalidArgument } from '../../shared/errors.ts';

export type CellContent = 'sse' | 'opaque';

/** Smallest and largest cell: a 2-byte varint holds a content length up to 16383 (RFC 9000 16). */
export const MIN_CELL = 16;
export const MAX_CELL = 16384;

const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
const EMPTY = new Uint8Array(0);

/** A varint of exactly `width` (2 or 4) bytes (RFC 9000 16: top bits 01 or 10 say the width). */
function fixedVarint(value: number, width: 2 | 4): Uint8Array {
  if (width === 2) return Uint8Array.of(0x40 | (value >> 8), value & 0xff);
  return Uint8Array.of(0x80 | (value >>> 24), (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff);
}

/** Index just after the last complete event (an LF that follows an LF, or CR LF), or 0. */
function lastEventEnd(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 1; i--) {
    if (b[i] !== LF) continue;
    if (b[i - 1] === LF || (i >= 2 && b[i - 1] === 0x0d && b[i - 2] === LF)) return i + 1;
  }
  return 0;
}

export class CellFramer {
  readonly cellSize: number;
  readonly content: CellContent;
  /** Bytes already decided (head, a straddling length header, the end): sent before anything else. */
  #raw: Uint8Array[] = [];
  /** Content from the target not yet placed in a cell. */
  #buf: Uint8Array = EMPTY;
  /** Content bytes owed to a chunk whose length header already went out. */
  #owed = 0;
  #headGiven = false;
  #end: Uint8Array | null = null;
  #messageEnded = false;
  /** The last content byte placed was not a line end (a comment must not follow). */
  #midLine = false;
  #cells = 0;

  constructor(options: { cellSize: number; content: CellContent }) {
    const { cellSize, content } = options;
    if (!Number.isSafeInteger(cellSize) || cellSize < MIN_CELL || cellSize > MAX_CELL)
      throw invalidArgument(`cellSize must be an integer ${MIN_CELL}..${MAX_CELL}`);
    if (content !== 'sse' && content !== 'opaque') throw invalidArgument('content must be sse or opaque');
    this.cellSize = cellSize;
    this.content = content;
  }

  /** The encoded head (framing indicator, any informational responses, status, header section). */
  head(bytes: Uint8Array): void {
    if (this.#headGiven) throw invalidArgument('head given twice');
    this.#headGiven = true;
    this.#raw.push(bytes);
  }

  /** Content from the target, as it comes. */
  push(bytes: Uint8Array): void {
    if (!this.#headGiven || this.#end !== null) throw invalidArgument('content out of order');
    if (bytes.length === 0) return;
    const b = new Uint8Array(this.#buf.length + bytes.length);
    b.set(this.#buf);
    b.set(bytes, this.#buf.length);
    this.#buf = b;
  }

  /** The encoded end of the message (Content Terminator, trailer section, its terminator). */
  end(bytes: Uint8Array): void {
    if (!this.#headGiven || this.#end !== null) throw invalidArgument('end out of order');
    this.#end = bytes;
  }

  /** Whether `next()` may be called now (opaque content waits for the end of the body). */
  get ready(): boolean {
    return this.#headGiven && (this.content === 'sse' || this.#end !== null);
  }

  /** Every byte of the message has been placed in a cell: the rest is padding. */
  get messageEnded(): boolean {
    return this.#messageEnded;
  }

  /** Content bytes waiting for a cell. */
  get backlog(): number {
    return this.#buf.length;
  }

  get cells(): number {
    return this.#cells;
  }

  /** The next cell: exactly `cellSize` bytes. */
  next(): Uint8Array {
    if (!this.ready) throw invalidArgument('no cell can be framed yet');
    const size = this.cellSize;
    const out = new Uint8Array(size); // zeros: padding once the message has ended
    let pos = 0;
    while (pos < size) {
      if (this.#raw.length > 0) {
        pos = this.#copyRaw(out, pos);
        continue;
      }
      if (this.#messageEnded) break;
      if (this.#owed > 0) {
        pos = this.#fill(out, pos, this.#owed);
        this.#owed = 0;
        continue;
      }
      if (this.#end !== null && this.#buf.length === 0) {
        this.#raw.push(this.#end);
        this.#messageEnded = true;
        continue;
      }
      pos = this.#startChunk(out, pos);
    }
    this.#cells++;
    return out;
  }

  #copyRaw(out: Uint8Array, pos: number): number {
    const first = this.#raw[0]!;
    const n = Math.min(first.length, out.length - pos);
    out.set(first.subarray(0, n), pos);
    if (n === first.length) this.#raw.shift();
    else this.#raw[0] = first.subarray(n);
    return pos + n;
  }

  /** A new content chunk that ends exactly at this cell's end (or, straddling, at the next one's). */
  #startChunk(out: Uint8Array, pos: number): number {
    const size = this.cellSize;
    const room = size - pos;
    const cap = (n: number) => (this.#end !== null ? Math.min(n, this.#buf.length) : n);
    if (room >= 4) {
      const len = cap(room - 2);
      out.set(fixedVarint(len, 2), pos);
      return this.#fill(out, pos + 2, len);
    }
    // 1-3 bytes left: the length header straddles the boundary; its content fills the next cell.
    const width = room <= 2 ? 2 : 4;
    const len = cap(size - (width - room));
    const header = fixedVarint(len, width);
    out.set(header.subarray(0, room), pos);
    this.#raw.push(header.subarray(room));
    this.#owed = len;
    return size;
  }

  /** Writes `len` content bytes at `pos`: real bytes first, then filler the client ignores. */
  #fill(out: Uint8Array, pos: number, len: number): number {
    const ended = this.#end !== null;
    const avail = ended ? this.#buf.length : lastEventEnd(this.#buf);
    let take: number;
    if (avail >= len) take = len;
    else if (len - avail !== 1 || ended) take = avail;
    else {
      // One byte of filler cannot be a comment line (`:` LF needs two): stop one line earlier. After
      // an event's final LF LF, the position before the last LF is a line start.
      take = avail - 1;
    }
    const real = this.#buf.subarray(0, take);
    out.set(real, pos);
    this.#buf = this.#buf.subarray(take);
    if (take > 0) this.#midLine = real[take - 1] !== LF;
    const filler = len - take;
    if (filler > 0) this.#filler(out, pos + take, filler);
    return pos + len;
  }

  /** `n` bytes of ignorable content: an SSE comment line, preceded by LF if a line is still open. */
  #filler(out: Uint8Array, pos: number, n: number): void {
    let p = pos;
    let left = n;
    if (this.#midLine) {
      // Only reachable when a body ends inside a line (a broken event stream): close that line.
      out[p++] = LF;
      left--;
    }
    if (left === 1) out[p] = LF;
    else if (left >= 2) {
      out[p] = COLON;
      out.fill(SPACE, p + 1, p + left - 1);
      out[p + left - 1] = LF;
    }
    this.#midLine = false;
  }
}
