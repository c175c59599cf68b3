/**
 * Incremental Binary HTTP decoding (RFC 9292 3), for input that arrives in pieces split anywhere:
 * a gateway reading a chunked-OHTTP request, a client reading a streamed response.
 *
 * `StreamDecoder.push(bytes)` returns the parts that became complete: informational responses
 * (RFC 9292 3.5.1) as each one ends, the head (control data and header section) as soon as the header
 * section ends, content pieces as they arrive (never waiting for a whole chunk or the whole content),
 * then the trailers; `end()` checks that the input stopped where RFC 9292 3.8 allows and returns the
 * last parts. Both framings are accepted (the known-length form streams its content the same way).
 *
 * Truncation: the input may stop at the start of the header section, the content or the trailer
 * section (RFC 9292 3.8); stopping anywhere else, including after a content chunk without the Content
 * Terminator, is ERR_TRUNCATED, never a complete message. Control data and each field section are
 * buffered whole and bounded by `maxSectionBytes` (ERR_TOO_LARGE); content is never buffered.
 *
 * Content pieces are views into the pushed bytes where possible (no copy).
 */
import { invalidArgument, malformed, TacitError, truncated } from '../errors.ts';
import { readVarint, varintLengthOf } from '../varint.ts';
import {
  checkMethod,
  checkTargetPart,
  decodeFail,
  FieldSection,
  latin1,
  readKnownLengthSection,
} from './fields.ts';
import type { Field, Framing, InformationalResponse, RequestHead, ResponseHead } from './types.ts';

export type StreamPart =
  | { type: 'informational'; informational: InformationalResponse }
  | { type: 'request-head'; head: RequestHead; framing: Framing }
  | { type: 'response-head'; head: ResponseHead; framing: Framing }
  | { type: 'content'; chunk: Uint8Array }
  | { type: 'trailers'; trailers: Field[] }
  | { type: 'end'; padding: number; truncated: boolean };

export interface StreamDecodeOptions {
  /** Accept only this kind of message (the framing indicator says which, RFC 9292 3.3). */
  expect?: 'request' | 'response';
  /** Bound on the bytes of the control data and of each field section. Default 256 KiB. */
  maxSectionBytes?: number;
}

/** Where the decoder is in the message (RFC 9292 3.1 / 3.2 order). */
const S = {
  Framing: 0,
  Control: 1,
  Status: 2,
  InfoHeaders: 3,
  Headers: 4,
  ContentLength: 5,
  ContentData: 6,
  Trailers: 7,
  Padding: 8,
  Ended: 9,
} as const;
type State = (typeof S)[keyof typeof S];

/** Bytes needed for the varint at pos, or -1 if the input ends first. */
function need(b: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  const n = varintLengthOf(b[pos]!);
  return pos + n <= end ? n : -1;
}

export class StreamDecoder {
  private state: State = S.Framing;
  private framing: Framing = 'known-length';
  private readonly expect: 'request' | 'response' | undefined;
  private readonly max: number;
  // Bytes kept between pushes: at most one unfinished structure (never content).
  private pend = new Uint8Array(0);
  private pendLen = 0;
  // Field section in progress: the known-length section length (-1 before it is read), or the
  // indeterminate-length lines read so far.
  private sectionLen = -1;
  private section: FieldSection | null = null;
  private sectionBytes = 0;
  private fields: Field[] = [];
  private request: Omit<RequestHead, 'headers'> | null = null;
  private status = 0;
  private remaining = 0;
  private chunks = 0;
  private padding = 0;

  constructor(options?: StreamDecodeOptions) {
    this.expect = options?.expect;
    this.max = options?.maxSectionBytes ?? 256 * 1024;
  }

  /** Feeds the next bytes; returns the parts completed by them. */
  push(bytes: Uint8Array): StreamPart[] {
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('Binary HTTP input must be a Uint8Array');
    if (this.state === S.Ended) throw invalidArgument('push after end');
    const out: StreamPart[] = [];
    try {
      if (this.pendLen === 0) {
        const used = this.run(bytes, 0, bytes.length, out, false);
        if (used < bytes.length) this.append(bytes.subarray(used));
      } else {
        this.append(bytes);
        const used = this.run(this.pend, 0, this.pendLen, out, true);
        this.pend.copyWithin(0, used, this.pendLen);
        this.pendLen -= used;
      }
    } catch (e) {
      this.state = S.Ended; // an invalid message is not processed further (RFC 9292 4)
      throw e;
    }
    return out;
  }

  /** Marks the end of input; throws ERR_TRUNCATED unless RFC 9292 3.8 allows stopping here. */
  end(): StreamPart[] {
    if (this.state === S.Ended) throw invalidArgument('end after end');
    const out: StreamPart[] = [];
    if (this.pendLen > 0) throw truncated('Binary HTTP message');
    const truncatedHere = this.state !== S.Padding;
    switch (this.state) {
      case S.Headers:
        if (this.sectionStarted()) throw truncated('header section');
        this.emitHead(out, []);
        out.push({ type: 'trailers', trailers: [] });
        break;
      case S.ContentLength:
        if (this.framing === 'indeterminate-length' && this.chunks > 0) throw truncated('content');
        out.push({ type: 'trailers', trailers: [] });
        break;
      case S.Trailers:
        if (this.sectionStarted()) throw truncated('trailer section');
        out.push({ type: 'trailers', trailers: [] });
        break;
      case S.Padding:
        break;
      default:
        throw truncated('Binary HTTP message');
    }
    this.state = S.Ended;
    out.push({ type: 'end', padding: this.padding, truncated: truncatedHere });
    return out;
  }

  private sectionStarted(): boolean {
    return this.sectionLen >= 0 || (this.section !== null && this.section.fields.length > 0);
  }

  private append(bytes: Uint8Array): void {
    const needed = this.pendLen + bytes.length;
    if (needed > this.pend.length) {
      const grown = new Uint8Array(Math.max(needed, this.pend.length * 2, 64));
      grown.set(this.pend.subarray(0, this.pendLen));
      this.pend = grown;
    }
    this.pend.set(bytes, this.pendLen);
    this.pendLen = needed;
  }

  private tooLarge(n: number): void {
    if (n > this.max) throw new TacitError('ERR_TOO_LARGE', `Binary HTTP section exceeds ${this.max} bytes`);
  }

  private emitHead(out: StreamPart[], headers: Field[]): void {
    if (this.request !== null) {
      out.push({ type: 'request-head', head: { ...this.request, headers }, framing: this.framing });
    } else {
      out.push({ type: 'response-head', head: { status: this.status, headers }, framing: this.framing });
    }
  }

  /** Processes [pos, end) as far as possible; returns the offset of the first unconsumed byte. */
  private run(b: Uint8Array, pos: number, end: number, out: StreamPart[], copy: boolean): number {
    for (;;) {
      switch (this.state) {
        case S.Framing: {
          const n = need(b, pos, end);
          if (n < 0) return pos;
          const fi = readVarint(b, pos, end);
          if (fi > 3) throw malformed('framing indicator');
          const kind = fi % 2 === 0 ? 'request' : 'response';
          if (this.expect !== undefined && kind !== this.expect)
            throw malformed(`${this.expect} (framing indicator)`);
          this.framing = fi < 2 ? 'known-length' : 'indeterminate-length';
          this.state = kind === 'request' ? S.Control : S.Status;
          pos += n;
          break;
        }
        case S.Control: {
          // RFC 9292 3.4: four length-prefixed strings, read only once all are present.
          const bounds: number[] = [];
          let p = pos;
          for (let i = 0; i < 4; i++) {
            const n = need(b, p, end);
            if (n < 0) return this.waitControl(pos, end);
            const len = readVarint(b, p, end);
            p += n;
            this.tooLarge(p + len - pos);
            if (len > end - p) return this.waitControl(pos, end);
            bounds.push(p, p + len);
            p += len;
          }
          const [ms, me, ss, se, as, ae, ps, pe] = bounds as [
            number,
            number,
            number,
            number,
            number,
            number,
            number,
            number,
          ];
          checkMethod(b, ms, me, decodeFail);
          checkTargetPart(b, ss, se, 'scheme', decodeFail);
          checkTargetPart(b, as, ae, 'authority', decodeFail);
          checkTargetPart(b, ps, pe, 'path', decodeFail);
          this.request = {
            method: latin1(b, ms, me),
            scheme: latin1(b, ss, se),
            authority: latin1(b, as, ae),
            path: latin1(b, ps, pe),
          };
          this.state = S.Headers;
          pos = p;
          break;
        }
        case S.Status: {
          const n = need(b, pos, end);
          if (n < 0) return pos;
          const status = readVarint(b, pos, end);
          pos += n;
          // RFC 9292 3.5.1: 1xx repeats with its own header section until a final 200..599.
          if (status >= 100 && status <= 199) this.state = S.InfoHeaders;
          else if (status >= 200 && status <= 599) this.state = S.Headers;
          else throw malformed('status code');
          this.status = status;
          break;
        }
        case S.InfoHeaders:
        case S.Headers:
        case S.Trailers: {
          const trailers = this.state === S.Trailers;
          pos = this.readSection(b, pos, end, trailers);
          if (this.sectionLen !== -2) return pos; // section not complete yet
          const fields = this.fields;
          this.sectionLen = -1;
          this.fields = [];
          if (this.state === S.InfoHeaders) {
            out.push({ type: 'informational', informational: { status: this.status, headers: fields } });
            this.state = S.Status;
          } else if (this.state === S.Headers) {
            this.emitHead(out, fields);
            this.state = S.ContentLength;
          } else {
            out.push({ type: 'trailers', trailers: fields });
            this.state = S.Padding;
          }
          break;
        }
        case S.ContentLength: {
          const n = need(b, pos, end);
          if (n < 0) return pos;
          const len = readVarint(b, pos, end);
          pos += n;
          if (len === 0) {
            // Known-length: empty content. Indeterminate: the Content Terminator (RFC 9292 3.2).
            this.state = S.Trailers;
            break;
          }
          this.chunks++;
          this.remaining = len;
          this.state = S.ContentData;
          break;
        }
        case S.ContentData: {
          const n = Math.min(this.remaining, end - pos);
          if (n > 0) {
            const piece = b.subarray(pos, pos + n);
            out.push({ type: 'content', chunk: copy ? piece.slice() : piece });
            pos += n;
            this.remaining -= n;
          }
          if (this.remaining > 0) return pos;
          // Known-length content is one piece; indeterminate content continues with the next chunk length.
          this.state = this.framing === 'known-length' ? S.Trailers : S.ContentLength;
          break;
        }
        case S.Padding: {
          // RFC 9292 3.8: only zero bytes may follow the message.
          for (let i = pos; i < end; i++) if (b[i] !== 0) throw malformed('padding (non-zero byte)');
          this.padding += end - pos;
          return end;
        }
        default:
          return pos;
      }
    }
  }

  private waitControl(pos: number, end: number): number {
    this.tooLarge(end - pos);
    return pos;
  }

  /**
   * Reads as much of the current field section as [pos, end) holds. On completion sets `sectionLen`
   * to -2 and `fields` to the section's lines. Returns the new position.
   */
  private readSection(b: Uint8Array, pos: number, end: number, trailers: boolean): number {
    if (this.framing === 'known-length') {
      if (this.sectionLen === -1) {
        const n = need(b, pos, end);
        if (n < 0) return pos;
        const len = readVarint(b, pos, end);
        this.tooLarge(len);
        this.sectionLen = len;
        pos += n;
      }
      if (end - pos < this.sectionLen) return pos;
      this.fields = readKnownLengthSection(b, pos, pos + this.sectionLen, trailers);
      pos += this.sectionLen;
      this.sectionLen = -2;
      return pos;
    }
    if (this.section === null) {
      this.section = new FieldSection(trailers, decodeFail);
      this.sectionBytes = 0;
    }
    for (;;) {
      const n = need(b, pos, end);
      if (n < 0) break;
      if (readVarint(b, pos, end) === 0) {
        // RFC 9292 3.2: the zero that ends an indeterminate-length field section.
        this.fields = this.section.fields;
        this.section = null;
        this.sectionLen = -2;
        return pos + n;
      }
      const next = this.section.readLine(b, pos, end);
      if (next < 0) break;
      this.sectionBytes += next - pos;
      this.tooLarge(this.sectionBytes);
      pos = next;
    }
    this.tooLarge(this.sectionBytes + (end - pos));
    return pos;
  }
}
