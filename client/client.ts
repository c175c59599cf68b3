/**
 * `createClient`: the SDK's entry. `client.fetch` has the WHATWG `fetch` signature and returns a real
 * `Response`, so it drops into anything that takes a `fetch` (the openai package's `fetch` option, for
 * one). Each call encapsulates one HTTP request for the gateway (RFC 9458), posts it to the relay, and
 * decapsulates the answer; streaming requests and event streams use chunked OHTTP
 * (draft-ietf-ohai-chunked-ohttp-08) so that the body streams in both directions as chunks arrive.
 */
import type { PaddingPolicy } from '../shared/bhttp/index.ts';
import { TacitError } from '../shared/errors.ts';
import type { Primitives } from '../shared/hpke/index.ts';
import type { KeyConfig, SymmetricSuite } from '../shared/keys/index.ts';
import type { EncapsulateOptions } from '../shared/ohttp/index.ts';
import { powerOfTwo } from '../shared/padding/index.ts';
import { Clock } from './date.ts';
import { OuterStatusError } from './errors.ts';
import { type KeysInput, keySource } from './keys.ts';
import { sendChunked } from './send-chunked.ts';
import { sendWhole } from './send-whole.ts';
import { createTrustVerifier, type TrustPolicy, type TrustVerifier } from './verify/index.ts';

export interface ClientOptions {
  /** Where encapsulated requests are posted: the relay's URL for this gateway. */
  relay: string | URL;
  /**
   * The gateway's key configurations: a URL (fetched through `transport`, normally the relay's
   * `/relay/ohttp-keys`, cached for its Cache-Control lifetime and refreshed once when the gateway
   * answers with the `ohttp-key` problem), or the `application/ohttp-keys` bytes, or parsed configs.
   */
  keys: KeysInput;
  /** The outer hop; default `globalThis.fetch`. */
  transport?: typeof fetch;
  /** HPKE backend; default WebCrypto (browser-safe). On Node, `nodePrimitives` is several times faster. */
  primitives?: Primitives;
  /** Which key configuration (by id) and which (KDF, AEAD) to use; default the gateway's first usable. */
  keyId?: number;
  suite?: SymmetricSuite;
  /**
   * When to use chunked OHTTP. 'auto' (default): a streaming request body, `Accept: text/event-stream`,
   * or a JSON body asking for `"stream": true` (the openai package asks that way). 'always' gives the
   * relay one uniform view of every request.
   */
  chunked?: 'auto' | 'always' | 'never';
  /**
   * Pads every inner request (Binary HTTP padding, RFC 9292 3.8) so that the relay sees a length class,
   * not a length. Default: powers of two from 4 KiB (most chat prompts are one class); `none` from
   * shared/padding turns it off.
   */
  padding?: PaddingPolicy;
  /** Clock for the inner `Date` (RFC 9458 6.5); default `Date.now`. */
  now?: () => number;
  /**
   * Verification (docs/trust.md): attest the gateway before encrypting anything, refuse keys its
   * manifest does not cover, check every answer's receipt (`response.receipt`).
   */
  trust?: TrustPolicy;
}

export interface TacitClient {
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** The key configuration requests are encrypted to now (fetching it if needed). */
  keyConfig(): Promise<KeyConfig>;
  /** The verifier, when created with `trust`: the attested gateway, receipts, the log. */
  readonly trust?: TrustVerifier;
}

/** See `ClientOptions.padding`; the figures behind the choice are in docs/privacy.md. */
export const DEFAULT_REQUEST_PADDING: PaddingPolicy = powerOfTwo({ floor: 4096 });

/** What one send needs; shared by the whole and the chunked paths. */
export interface SendContext {
  relay: URL;
  transport: typeof fetch;
  /** HPKE backend and suite choice, as `encapsulateRequest` takes them. */
  hpke: EncapsulateOptions;
  padding: PaddingPolicy | undefined;
  clock: Clock;
  trust?: TrustVerifier;
}

function wantsChunked(
  mode: ClientOptions['chunked'],
  request: Request,
  init: RequestInit | undefined,
  body: Uint8Array | null,
): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (init?.body instanceof ReadableStream) return true;
  if ((request.headers.get('accept') ?? '').includes('text/event-stream')) return true;
  if (
    body !== null &&
    (request.headers.get('content-type') ?? '').includes('json') &&
    body.length < 1 << 20
  ) {
    try {
      return (JSON.parse(new TextDecoder().decode(body)) as { stream?: unknown }).stream === true;
    } catch {
      return false;
    }
  }
  return false;
}

export function createClient(options: ClientOptions): TacitClient {
  const transport = options.transport ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const keys = keySource(options.keys, transport, {
    ...(options.keyId !== undefined && { keyId: options.keyId }),
    now,
  });
  const ctx: SendContext = {
    relay: new URL(String(options.relay)),
    transport,
    hpke: {
      ...(options.primitives !== undefined && { primitives: options.primitives }),
      ...(options.suite !== undefined && { suite: options.suite }),
    },
    padding: options.padding ?? DEFAULT_REQUEST_PADDING,
    clock: new Clock(now),
    ...(options.trust !== undefined && { trust: createTrustVerifier(options.trust, transport, now) }),
  };

  async function clientFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    // A streamed request body is sent as it is produced; anything else is read once, so that a retry
    // (new key configuration, corrected date) can send it again.
    const streamed =
      init?.body instanceof ReadableStream ||
      (input instanceof Request &&
        init?.body === undefined &&
        input.body !== null &&
        options.chunked === 'always');
    const body = streamed || request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    const chunked = wantsChunked(options.chunked, request, init, body);
    const send = async (config: KeyConfig): Promise<Response> => {
      // Attestation before first use: nothing is encrypted to a key the verified manifest does not list.
      await ctx.trust?.checkKey(config);
      return chunked
        ? sendChunked(ctx, config, request, streamed ? request.body : body)
        : sendWhole(ctx, config, request, body ?? new Uint8Array(0));
    };
    try {
      return await send(await keys.current());
    } catch (e) {
      // RFC 9458 5.3: the gateway no longer knows the key we used; fetch the list again, once.
      if (e instanceof OuterStatusError && e.isKeyProblem && !streamed && keys.invalidate()) {
        return await send(await keys.current());
      }
      throw e;
    }
  }

  return {
    fetch: clientFetch,
    keyConfig: () => keys.current(),
    ...(ctx.trust !== undefined && { trust: ctx.trust }),
  };
}

export { TacitError };
