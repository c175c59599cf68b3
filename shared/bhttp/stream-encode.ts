/**
 * Incremental encoding of the indeterminate-length form (RFC 9292 3.2), so that a client can stream a
 * request and a gateway a response: head bytes first, then one piece per content chunk, then the
 * trailer section, the terminators and padding.
 *
 * The bytes are exactly those of `encodeRequest`/`encodeResponse` with `framing: 'indeterminate-length'`
 * when the content is sent as one chunk (both write every section; see encode.ts). Out-of-order calls
 * throw ERR_INVALID_ARGUMENT.
 */
import { invalidArgument } from '../errors.ts';
import { varintSize, writeVarint } from '../varint.ts';
import {
  checkStatus,
  fieldLinesSize,
  paddedLength,
  requestLeadSize,
  responseLeadSize,
  sectionSize,
  writeFieldLines,
  writeRequestLead,
  writeResponseLead,
  writeSection,
} from './encode.ts';
import type { ByteSource } from './source.ts';
import { iterateBytes } from './source.ts';
import {
  type Field,
  FRAMING,
  type InformationalResponse,
  type PaddingPolicy,
  type RequestHead,
  type ResponseHead,
} from './types.ts';

const IND = 'indeterminate-length';

export interface EndOptions {
  /** Zero bytes to append (RFC 9292 3.8). */
  padding?: number;
  /** Pad the whole message (every byte this encoder produced) to `padTo(length)` bytes. */
  padTo?: PaddingPolicy;
}

/** One message, written piece by piece: `head` (after any `informational`), `chunk`*, `end`. */
export class StreamEncoder {
  private stage: 'start' | 'body' | 'ended' = 'start';
  private written = 0;

  constructor(readonly kind: 'request' | 'response') {}

  /** Total bytes produced so far. */
  get length(): number {
    return this.written;
  }

  private out(bytes: Uint8Array): Uint8Array {
    this.written += bytes.length;
    return bytes;
  }

  /**
   * An informational (1xx) response (RFC 9292 3.5.1), sent before the final head; the first call also
   * writes the framing indicator.
   */
  informational(info: InformationalResponse): Uint8Array {
    if (this.kind !== 'response' || this.stage !== 'start')
      throw invalidArgument('informational out of order');
    checkStatus(info.status, true);
    const first = this.written === 0;
    const lines = fieldLinesSize(info.headers);
    const out = new Uint8Array((first ? 1 : 0) + varintSize(info.status) + sectionSize(lines, IND));
    let pos = first ? writeVarint(out, 0, FRAMING.INDETERMINATE_LENGTH_RESPONSE) : 0;
    pos = writeVarint(out, pos, info.status);
    writeSection(out, pos, info.headers, lines, IND, false);
    return this.out(out);
  }

  /** Control data and header section (RFC 9292 3.4 / 3.5), ended by its zero terminator. */
  head(head: RequestHead | ResponseHead): Uint8Array {
    if (this.stage !== 'start') throw invalidArgument('head out of order');
    const headers = head.headers ?? [];
    const lines = fieldLinesSize(headers);
    let out: Uint8Array;
    let pos: number;
    if (this.kind === 'request') {
      const h = head as RequestHead;
      out = new Uint8Array(requestLeadSize(h) + sectionSize(lines, IND));
      pos = writeRequestLead(out, 0, h, IND);
    } else {
      const status = (head as ResponseHead).status;
      const first = this.written === 0;
      const lead = responseLeadSize(status, [], IND) - (first ? 0 : 1);
      out = new Uint8Array(lead + sectionSize(lines, IND));
      if (first) pos = writeResponseLead(out, 0, status, [], IND);
      else pos = writeVarint(out, 0, status); // the framing indicator went out with the first 1xx
    }
    writeSection(out, pos, headers, lines, IND, false);
    this.stage = 'body';
    return this.out(out);
  }

  /** One content chunk (RFC 9292 3.2): its length, then its bytes. Empty input yields no bytes. */
  chunk(bytes: Uint8Array): Uint8Array {
    if (this.stage !== 'body') throw invalidArgument('content chunk out of order');
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('content chunk must be a Uint8Array');
    if (bytes.length === 0) return bytes; // a zero length would be the Content Terminator
    const out = new Uint8Array(varintSize(bytes.length) + bytes.length);
    out.set(bytes, writeVarint(out, 0, bytes.length));
    return this.out(out);
  }

  /** Content Terminator, trailer section with its terminator, then padding (RFC 9292 3.2, 3.8). */
  end(trailers: Field[] = [], options?: EndOptions): Uint8Array {
    if (this.stage !== 'body') throw invalidArgument('end out of order');
    const lines = fieldLinesSize(trailers);
    const size = 1 + sectionSize(lines, IND);
    const total = paddedLength(this.written + size, options);
    const out = new Uint8Array(total - this.written);
    const pos = writeVarint(out, 0, 0);
    writeVarint(out, writeFieldLines(out, pos, trailers, true), 0);
    this.stage = 'ended';
    return this.out(out);
  }
}

export interface EncodeStreamInput<H> {
  head: H;
  informational?: InformationalResponse[];
  body?: ByteSource | null;
  trailers?: Field[] | Promise<Field[]>;
}

function toStream(
  enc: StreamEncoder,
  input: EncodeStreamInput<RequestHead | ResponseHead>,
  options?: EndOptions,
): ReadableStream<Uint8Array> {
  let body: AsyncGenerator<Uint8Array, void, undefined> | null = null;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const info of input.informational ?? []) controller.enqueue(enc.informational(info));
      controller.enqueue(enc.head(input.head));
      if (input.body) body = iterateBytes(input.body);
    },
    // Pull-driven: one content piece per pull, so a slow reader slows the body source.
    async pull(controller) {
      // Every pull must enqueue or close: a pull that returns with nothing queued is not called
      // again, so an empty body piece (which encodes to no bytes) must not end this pull.
      while (body !== null) {
        const r = await body.next();
        if (r.done) break;
        const piece = enc.chunk(r.value);
        if (piece.length > 0) {
          controller.enqueue(piece);
          return;
        }
      }
      controller.enqueue(enc.end(await input.trailers, options));
      controller.close();
    },
    async cancel() {
      await body?.return(undefined);
    },
  });
}

/** A request as a ReadableStream of indeterminate-length Binary HTTP bytes, body streamed. */
export function encodeRequestStream(
  input: EncodeStreamInput<RequestHead>,
  options?: EndOptions,
): ReadableStream<Uint8Array> {
  return toStream(new StreamEncoder('request'), input, options);
}

/** A response as a ReadableStream of indeterminate-length Binary HTTP bytes, body streamed. */
export function encodeResponseStream(
  input: EncodeStreamInput<ResponseHead>,
  options?: EndOptions,
): ReadableStream<Uint8Array> {
  return toStream(new StreamEncoder('response'), input, options);
}
