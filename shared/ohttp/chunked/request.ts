/**
 * Chunked OHTTP requests (draft-ietf-ohai-chunked-ohttp-08 6.1), both sides.
 *
 *   info = "message/bhttp chunked request" || 0x00 || hdr
 *   Chunked Encapsulated Request = hdr || enc || chunks (see framing.ts)
 *   each chunk = sctxt.Seal(aad, plaintext), aad = "" for non-final chunks and "final" for the last
 *
 * The HPKE context's sequence number orders the chunks, so a reordered, dropped or repeated chunk
 * fails to open (ERR_DECRYPT), and the "final" AAD stops a truncated stream from passing as complete.
 */
import { concat } from '../../bytes.ts';
import { invalidArgument } from '../../errors.ts';
import { kemParams } from '../../hpke/ids.ts';
import type { KeyConfig } from '../../keys/config.ts';
import type { ServerKey } from '../../keys/keypair.ts';
import { LABELS } from '../constants.ts';
import { setupGateway } from '../gateway.ts';
import { decodeHeader, findKey, HEADER_LENGTH, lookupKey } from '../header.ts';
import { type ClientRequestContext, type EncapsulateOptions, setupClient } from '../request.ts';
import { DEFAULT_MAX_CHUNK_SIZE, frameChunk, streamTruncated } from './framing.ts';
import { openChunks, sealChunks } from './pipeline.ts';
import {
  type ChunkedResponseOptions,
  type ChunkedResponseSealer,
  createResponseSealer,
  openChunkedResponse,
  sealResponseStream,
} from './response.ts';
import { type ByteSource, iterateBytes, readPrefix, toReadableStream } from './source.ts';

const EMPTY = new Uint8Array(0);

export interface ChunkedOptions {
  /** Largest plaintext per chunk, both to send and to accept (ERR_TOO_LARGE beyond). Default 1 MiB. */
  maxChunkSize?: number;
}

function maxChunk(options: ChunkedOptions): number {
  const n = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument('maxChunkSize must be a positive integer');
  return n;
}

/** Client side, chunk by chunk: `header` first, then `seal(...)` per chunk, the last with final=true. */
export class ChunkedRequestSealer implements ClientRequestContext {
  #done = false;

  constructor(
    readonly header: Uint8Array,
    readonly suite: ClientRequestContext['suite'],
    readonly enc: Uint8Array,
    readonly context: ClientRequestContext['context'],
    readonly maxChunkSize: number,
  ) {}

  /** Seals and frames one chunk. After the final chunk nothing more may be sealed. */
  async seal(plaintext: Uint8Array, final = false): Promise<Uint8Array> {
    if (this.#done) throw invalidArgument('the final chunk was already sealed');
    if (!(plaintext instanceof Uint8Array)) throw invalidArgument('chunk must be a Uint8Array');
    if (plaintext.length > this.maxChunkSize) throw invalidArgument('chunk larger than maxChunkSize');
    if (final) this.#done = true;
    return frameChunk(await this.context.seal(final ? LABELS.final : EMPTY, plaintext), final);
  }

  /** The plaintext stream of the matching `message/ohttp-chunked-res` body. */
  openResponse(body: ByteSource, options: ChunkedOptions = {}): ReadableStream<Uint8Array> {
    return openChunkedResponse(
      this,
      body,
      maxChunk({ maxChunkSize: options.maxChunkSize ?? this.maxChunkSize }),
    );
  }
}

export async function createChunkedRequest(
  config: KeyConfig,
  options: EncapsulateOptions & ChunkedOptions = {},
): Promise<ChunkedRequestSealer> {
  const max = maxChunk(options);
  const { header, suite, enc, context } = await setupClient(config, LABELS.chunkedRequest, options);
  return new ChunkedRequestSealer(header, suite, enc, context, max);
}

export interface ChunkedClientRequest {
  /** The `message/ohttp-chunked-req` body: header at once, then one chunk per piece of `body`. */
  readonly body: ReadableStream<Uint8Array>;
  readonly sealer: ChunkedRequestSealer;
  openResponse(body: ByteSource, options?: ChunkedOptions): ReadableStream<Uint8Array>;
}

/** Client side, as streams: encapsulates `body` (plaintext pieces) as they come. */
export async function encapsulateChunkedRequest(
  config: KeyConfig,
  body: ByteSource,
  options: EncapsulateOptions & ChunkedOptions = {},
): Promise<ChunkedClientRequest> {
  const sealer = await createChunkedRequest(config, options);
  const wire = sealChunks(sealer.header, iterateBytes(body), sealer.maxChunkSize, (pt, final) =>
    sealer.seal(pt, final),
  );
  return { body: toReadableStream(wire), sealer, openResponse: (b, o) => sealer.openResponse(b, o) };
}

export interface ChunkedGatewayRequest {
  readonly keyId: number;
  /** The encapsulated KEM key: the replay cache's key (RFC 9458 6.5). */
  readonly enc: Uint8Array;
  readonly kemId: number;
  readonly kdfId: number;
  readonly aeadId: number;
  /**
   * The inner request's plaintext, chunk by chunk as each opens. It errors with ERR_DECRYPT,
   * ERR_TOO_LARGE or ERR_STREAM_TRUNCATED, and closes only after the final chunk verified.
   */
  readonly request: ReadableStream<Uint8Array>;
  /** Chunk-by-chunk response sealing; send `header` (the response nonce) first. */
  createResponse(options?: ChunkedResponseOptions): Promise<ChunkedResponseSealer>;
  /** The `message/ohttp-chunked-res` body for a plaintext source; the nonce leaves first. */
  encapsulateResponse(source: ByteSource, options?: ChunkedResponseOptions): ReadableStream<Uint8Array>;
}

/**
 * Gateway side: reads the header from `body` (ERR_STREAM_TRUNCATED if it ends first, ERR_UNKNOWN_KEY,
 * ERR_DECRYPT), then returns at once; the chunks are opened as `request` is read.
 */
export async function decapsulateChunkedRequest(
  keys: readonly ServerKey[],
  body: ByteSource,
  options: ChunkedOptions = {},
): Promise<ChunkedGatewayRequest> {
  const max = maxChunk(options);
  const it = iterateBytes(body);
  const head = await readPrefix(it, HEADER_LENGTH);
  if (head === undefined) throw streamTruncated('request header');
  // The key lookup needs only the 7 header bytes; its KEM says how long `enc` is.
  const { kemId } = findKey(keys, decodeHeader(head.prefix)).config;
  const full = await readPrefix(it, HEADER_LENGTH + kemParams(kemId).Nenc, concat(head.prefix, head.rest));
  if (full === undefined) throw streamTruncated('request enc');
  const parsed = lookupKey(keys, full.prefix);
  const { suite, context } = await setupGateway(parsed, LABELS.chunkedRequest);
  const maxCiphertext = max + suite.aead.Nt;
  const request = toReadableStream(
    openChunks(it, full.rest, maxCiphertext, async (c) => {
      return context.open(c.final ? LABELS.final : EMPTY, c.ciphertext);
    }),
  );
  const { keyId, enc, aeadId, kdfId } = parsed;
  const createResponse = (o: ChunkedResponseOptions = {}) => createResponseSealer(suite, context, enc, o);
  return {
    keyId,
    enc,
    kemId,
    kdfId,
    aeadId,
    request,
    createResponse,
    encapsulateResponse: (source, o = {}) =>
      sealResponseStream(createResponse(o), source, o.maxChunkSize ?? max),
  };
}
