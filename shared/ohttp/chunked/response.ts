/**
 * Chunked OHTTP responses (draft-ietf-ohai-chunked-ohttp-08 6.2), both sides.
 *
 *   response key as RFC 9458 4.4 with the label "message/bhttp chunked response" (response-key.ts)
 *   Chunked Encapsulated Response = response_nonce || chunks (see framing.ts)
 *   chunk i = Seal(aead_key, aead_nonce XOR I2OSP(i, Nn), aad, plaintext), aad = "" or "final"
 *
 * The counter starts at 0 and counts every chunk, the final one included.
 */
import { decryptError, invalidArgument, TacitError } from '../../errors.ts';
import type { HpkeContext } from '../../hpke/context.ts';
import { xorCounter } from '../../hpke/context.ts';
import type { CipherSuite } from '../../hpke/suite.ts';
import { LABELS } from '../constants.ts';
import type { ClientRequestContext } from '../request.ts';
import { deriveResponseKey, type ResponseKey, responseNonceLength } from '../response-key.ts';
import { frameChunk, streamTruncated } from './framing.ts';
import { openChunks, sealChunks } from './pipeline.ts';
import { type ByteSource, iterateBytes, readPrefix, toReadableStream } from './source.ts';

const EMPTY = new Uint8Array(0);
// Far below the nonce space (2^96); a stream this long is a bug, not a conversation.
const MAX_CHUNKS = 2 ** 48;

export interface ChunkedResponseOptions {
  /** TESTS ONLY: a pinned response nonce (max(Nn, Nk) bytes) so that known answers reproduce. */
  responseNonce?: Uint8Array;
  /** Largest plaintext per chunk; longer pieces are split. Default: the request's limit. */
  maxChunkSize?: number;
}

/** Gateway side, chunk by chunk: send `header` (the response nonce) first, then each `seal(...)`. */
export class ChunkedResponseSealer {
  #counter = 0;
  #done = false;

  constructor(
    readonly header: Uint8Array,
    readonly key: ResponseKey,
  ) {}

  async seal(plaintext: Uint8Array, final = false): Promise<Uint8Array> {
    if (this.#done) throw invalidArgument('the final chunk was already sealed');
    if (!(plaintext instanceof Uint8Array)) throw invalidArgument('chunk must be a Uint8Array');
    if (this.#counter >= MAX_CHUNKS) throw new TacitError('ERR_TOO_LARGE', 'too many chunks');
    if (final) this.#done = true;
    const nonce = xorCounter(this.key.nonce, this.#counter++);
    return frameChunk(await this.key.aead.seal(nonce, final ? LABELS.final : EMPTY, plaintext), final);
  }
}

export async function createResponseSealer(
  suite: CipherSuite,
  context: HpkeContext,
  enc: Uint8Array,
  options: ChunkedResponseOptions = {},
): Promise<ChunkedResponseSealer> {
  const nonce = options.responseNonce ?? suite.primitives.randomBytes(responseNonceLength(suite));
  const key = await deriveResponseKey(suite, context, enc, LABELS.chunkedResponse, nonce);
  return new ChunkedResponseSealer(nonce.slice(), key);
}

/** The wire stream for a plaintext source: nonce, one chunk per piece, empty final chunk. */
export function sealResponseStream(
  sealer: Promise<ChunkedResponseSealer>,
  source: ByteSource,
  maxChunkSize: number,
): ReadableStream<Uint8Array> {
  async function* run(): AsyncGenerator<Uint8Array> {
    const s = await sealer;
    yield* sealChunks(s.header, iterateBytes(source), maxChunkSize, (pt, final) => s.seal(pt, final));
  }
  return toReadableStream(run());
}

/**
 * Client side: the plaintext of a `message/ohttp-chunked-res` body, chunk by chunk. Errors with
 * ERR_STREAM_TRUNCATED (ended before the nonce or the final chunk), ERR_DECRYPT or ERR_TOO_LARGE.
 */
export function openChunkedResponse(
  ctx: ClientRequestContext,
  body: ByteSource,
  maxChunkSize: number,
): ReadableStream<Uint8Array> {
  async function* run(): AsyncGenerator<Uint8Array> {
    const { suite } = ctx;
    const it = iterateBytes(body);
    const head = await readPrefix(it, responseNonceLength(suite));
    if (head === undefined) throw streamTruncated('response nonce');
    const key = await deriveResponseKey(
      suite,
      ctx.context,
      ctx.enc,
      LABELS.chunkedResponse,
      head.prefix.slice(),
    );
    let counter = 0;
    yield* openChunks(it, head.rest, maxChunkSize + suite.aead.Nt, async (c) => {
      const nonce = xorCounter(key.nonce, counter++);
      try {
        return await key.aead.open(nonce, c.final ? LABELS.final : EMPTY, c.ciphertext);
      } catch (cause) {
        throw decryptError(cause);
      }
    });
  }
  return toReadableStream(run());
}
