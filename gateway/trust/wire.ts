/**
 * The trust layer as the gateway's request handlers use it (handle.ts for whole requests, chunked.ts
 * for chunked OHTTP): one object per request that commits to the inner request bytes, reads the
 * sampling parameters (adding a seed where there is none), and produces the receipt for the answer.
 *
 * Answers from a target (the built-in model, an allow-listed upstream) carry receipts; the gateway's
 * own refusals (problem details, no model output) do not.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Field, RequestHead } from '../../shared/bhttp/index.ts';
import type { KeyConfig } from '../../shared/keys/index.ts';
import { commitRequestStream, streamedAnswerReceipt, wholeAnswerReceipt } from './answer.ts';
import { type RequestFacts, requestFacts } from './facts.ts';
import { mountTrustRoutes } from './routes.ts';
import { createTrust, type GatewayAttester, type Trust } from './trust.ts';

export interface GatewayTrustOptions {
  /** State directory: receipt and log keys, the log's entries file. */
  dir: string;
  attester: GatewayAttester;
  /** The log's origin; default `<gateway name>/receipts`. */
  origin?: string;
  manifestTtlMs?: number;
  /** The built-in target's model digest when the gateway cannot read it (a test's own target). */
  model?: string;
}

/** The digest receipts name for the echo target (`--model echo`), which runs no model. */
export const ECHO_DIGEST = `sha256:${createHash('sha256').update('tacit echo target').digest('hex')}`;

/** What answered: the kinds of targets.ts that produce receipts. */
export type AnswerKind = 'builtin' | 'upstream' | 'refused';

/** A stand-in digest for an upstream origin: receipts say which upstream answered, not which weights. */
export function upstreamDigest(origin: string): string {
  return `sha256:${createHash('sha256').update(`tacit upstream ${origin}`).digest('hex')}`;
}

export interface WholeReceipt {
  /** The content to give the target (the request's own, or with the gateway's seed). */
  readonly content: Uint8Array;
  /** The receipt header for the answer, or null for the gateway's own refusals. */
  finish(
    kind: AnswerKind,
    url: string,
    contentType: string | null,
    content: Uint8Array,
  ): Promise<Field | null>;
}

export interface StreamReceipt {
  /** The request's plaintext, committed to as it is decoded. */
  readonly request: ReadableStream<Uint8Array>;
  /** Reads the body of an inference request whole (bounded by the caller) to add a seed. */
  prepare(
    head: RequestHead,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<ReadableStream<Uint8Array> | Uint8Array | null>;
  /** The body to encode and its receipt trailers (none for refusals). */
  finish(
    kind: AnswerKind,
    url: string,
    response: Response,
  ): { body: ReadableStream<Uint8Array> | null; trailers: Promise<Field[]> | undefined };
}

export interface GatewayTrust {
  readonly trust: Trust;
  mount(app: import('hono').Hono): void;
  whole(requestBytes: Uint8Array, head: RequestHead, content: Uint8Array): WholeReceipt;
  stream(request: ReadableStream<Uint8Array>): StreamReceipt;
  close(): Promise<void>;
}

const INFERENCE = /^\/v1\/(?:chat\/)?completions(?:\?|$)/;

function header(head: RequestHead, name: string): string | null {
  return head.headers.find(([n]) => n === name)?.[1] ?? null;
}

export async function createGatewayTrust(
  opts: GatewayTrustOptions,
  ctx: {
    name: string;
    keys: () => readonly KeyConfig[];
    /** `sha256:<hex>` of the built-in model (or of the echo target). */
    builtinModel: string;
    upstreams: readonly string[];
    now?: () => number;
    log?: Logger;
  },
): Promise<GatewayTrust> {
  const trust = await createTrust({
    dir: opts.dir,
    origin: opts.origin ?? `${ctx.name}/receipts`,
    attester: opts.attester,
    models: [ctx.builtinModel, ...ctx.upstreams.map(upstreamDigest)],
    keys: ctx.keys,
    ...(opts.manifestTtlMs === undefined ? {} : { manifestTtlMs: opts.manifestTtlMs }),
    ...(ctx.now === undefined ? {} : { now: ctx.now }),
    ...(ctx.log === undefined ? {} : { log: ctx.log }),
  });
  const modelOf = (kind: AnswerKind, url: string): string =>
    kind === 'builtin' ? ctx.builtinModel : upstreamDigest(new URL(url).origin);

  return {
    trust,
    mount: (app) => mountTrustRoutes(app, trust),
    whole(requestBytes, head, content) {
      const draft = trust.issuer.draft();
      draft.request.update(requestBytes);
      const facts = requestFacts(head.method.toUpperCase(), head.path, header(head, 'content-type'), content);
      return {
        content: facts.body ?? content,
        async finish(kind, url, contentType, body) {
          if (kind === 'refused') return null;
          return wholeAnswerReceipt({ trust, draft, model: modelOf(kind, url), facts }, contentType, body);
        },
      };
    },
    stream(request) {
      const draft = trust.issuer.draft();
      let facts: RequestFacts = { body: null, sampling: {}, seed: null };
      return {
        request: commitRequestStream(draft, request),
        async prepare(head, body) {
          const type = header(head, 'content-type');
          const method = head.method.toUpperCase();
          // Only inference requests are read whole (to find or add the seed); others stream through.
          if (
            body === null ||
            method !== 'POST' ||
            !(type ?? '').includes('json') ||
            !INFERENCE.test(head.path)
          )
            return body;
          const bytes = new Uint8Array(await new Response(body).arrayBuffer());
          facts = requestFacts(method, head.path, type, bytes);
          return facts.body ?? bytes;
        },
        finish(kind, url, response) {
          if (kind === 'refused') return { body: response.body, trailers: undefined };
          const type = response.headers.get('content-type');
          return streamedAnswerReceipt(
            { trust, draft, model: modelOf(kind, url), facts },
            type,
            response.body,
          );
        },
      };
    },
    close: () => trust.close(),
  };
}
