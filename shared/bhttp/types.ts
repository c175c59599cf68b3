/**
 * The Binary HTTP message model (RFC 9292 3).
 *
 * Strings: field names and values, method, scheme, authority and path are JavaScript strings holding
 * one byte per character (code points 0..255, "ByteString" as WHATWG `Headers` uses), so any valid byte
 * sequence round-trips exactly and plugs straight into `Headers`. Names are lowercase (RFC 9113 8.2.1).
 *
 * Content is a `Uint8Array`. A decoded message's content may be a view into the decoder's input
 * (no copy); copy it if the input buffer will be reused.
 */

/** One field line (RFC 9292 3.6): [name, value]; the same shape as a `HeadersInit` entry. */
export type Field = [name: string, value: string];

/** Framing indicator values (RFC 9292 3.3, Table 1). */
export const FRAMING = {
  KNOWN_LENGTH_REQUEST: 0,
  KNOWN_LENGTH_RESPONSE: 1,
  INDETERMINATE_LENGTH_REQUEST: 2,
  INDETERMINATE_LENGTH_RESPONSE: 3,
} as const;

/** Known-length (RFC 9292 3.1) or indeterminate-length (RFC 9292 3.2). */
export type Framing = 'known-length' | 'indeterminate-length';

/** Request control data (RFC 9292 3.4) and header section. */
export interface RequestHead {
  method: string;
  scheme: string;
  /** Empty where HTTP/2 would omit `:authority` (RFC 9292 3.4); a `host` header may then name the target. */
  authority: string;
  /** The request target in origin form (path and query), or `*`, or empty for CONNECT. */
  path: string;
  headers: Field[];
}

/** An informational (1xx) response: status 100..199 and its header section (RFC 9292 3.5.1). */
export interface InformationalResponse {
  status: number;
  headers: Field[];
}

/** Final response control data (status 200..599, RFC 9292 3.5) and header section. */
export interface ResponseHead {
  status: number;
  headers: Field[];
}

export interface BhttpRequest extends RequestHead {
  content: Uint8Array;
  trailers: Field[];
}

export interface BhttpResponse extends ResponseHead {
  /** Informational responses that precede the final one, in order. */
  informational: InformationalResponse[];
  content: Uint8Array;
  trailers: Field[];
}

/** What the decoder saw besides the message itself, enough to re-encode the same bytes. */
export interface DecodeInfo {
  framing: Framing;
  /** Number of zero bytes after the message (RFC 9292 3.8). */
  padding: number;
  /** True if one or more trailing empty sections were omitted (RFC 9292 3.8 truncation). */
  truncated: boolean;
}

export type DecodedRequest = BhttpRequest & DecodeInfo;
export type DecodedResponse = BhttpResponse & DecodeInfo;

/** Maps a length to a padded length (see shared/padding). */
export type PaddingPolicy = (length: number) => number;

export interface EncodeOptions {
  /** Default 'known-length'. */
  framing?: Framing;
  /**
   * Omit trailing empty sections (RFC 9292 3.8): trailers if empty, then content if also empty, then the
   * header section if also empty. Default false: every section is written, so the whole-message encoder
   * and the incremental encoder (which cannot know in advance that nothing follows) emit the same bytes.
   */
  truncate?: boolean;
  /** Zero bytes to append (RFC 9292 3.8). Added before `padTo` is applied. */
  padding?: number;
  /** Pad the whole message to `padTo(length)` bytes with zeros (e.g. a policy from shared/padding). */
  padTo?: PaddingPolicy;
}
