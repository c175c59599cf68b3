/**
 * Receipts on the SDK's response path: the hooks that send-whole.ts and send-chunked.ts call. Each
 * answer's receipt is checked against the exact request bytes the SDK encrypted and the body it
 * received, and exposed as `response.receipt`.
 *
 * Whole answers: the receipt is an inner response header; under a strict policy a missing or bad one
 * fails the fetch. Streams: the receipt is a trailer, so it can only be checked once the body has
 * ended; the body is passed through, and its end is held back until the receipt verifies. Under a
 * strict policy a bad or missing receipt errors the body instead of closing it, and a stream that
 * was cut (no final chunk, no trailer) errors as truncated: it never verifies.
 */
import type { Field } from '../../shared/bhttp/index.ts';
import { concat } from '../../shared/bytes.ts';
import { RECEIPT_FIELD } from '../../shared/receipt/field.ts';
import { isEventStream, withoutSseComments } from '../../shared/receipt/sse.ts';
import { extend } from '../extend.ts';
import type { TrustVerifier } from './index.ts';
import type { VerifiedReceipt } from './receipt.ts';

export type ResponseWithReceipt = Response & { receipt: Promise<VerifiedReceipt> };

/** `VerifiedReceipt` plus the request bytes it commits to (what `tacit verify --request` reads). */
export type ClientReceipt = VerifiedReceipt & { readonly request: Uint8Array };

function strict(v: TrustVerifier): boolean {
  return (v.policy.receipts ?? 'strict') === 'strict';
}

/**
 * The gateway's own refusals (busy, stale date, target not allowed) are problem details with no model
 * output and no receipt: they pass, with `receipt` rejected, rather than fail as unverified answers.
 */
function isRefusal(field: string | undefined, contentType: string | null): boolean {
  return field === undefined && (contentType ?? '').startsWith('application/problem+json');
}

/** Checks a whole answer's receipt; throws under a strict policy, else exposes the failure. */
export async function attachWholeReceipt(
  v: TrustVerifier,
  response: Response,
  request: Uint8Array,
  headers: readonly Field[],
  content: Uint8Array,
): Promise<ResponseWithReceipt> {
  const field = headers.find(([n]) => n === RECEIPT_FIELD)?.[1];
  const receipt = v.checkReceipt(field, request, content).then((r): ClientReceipt => ({ ...r, request }));
  if (strict(v) && !isRefusal(field, response.headers.get('content-type'))) await receipt;
  else receipt.catch(() => {});
  return extend(response, { receipt });
}

/** Collects a stream's bytes as they pass through (the chunked request's plaintext). */
export function captureStream(source: ReadableStream<Uint8Array>): {
  stream: ReadableStream<Uint8Array>;
  bytes: Promise<Uint8Array>;
} {
  const parts: Uint8Array[] = [];
  let done!: (b: Uint8Array) => void;
  const bytes = new Promise<Uint8Array>((r) => {
    done = r;
  });
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        parts.push(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        done(concat(...parts));
      },
    }),
  );
  return { stream, bytes };
}

/**
 * Wraps a streamed answer: the body passes through, and at its end the trailer receipt is checked
 * against the request bytes and the whole body before the body is allowed to close.
 */
export function attachStreamReceipt<R extends Response & { trailers: Promise<Field[]> }>(
  v: TrustVerifier,
  response: R,
  request: Promise<Uint8Array>,
): R & { receipt: Promise<ClientReceipt> } {
  let settle!: { ok: (r: ClientReceipt) => void; fail: (e: unknown) => void };
  const receipt = new Promise<ClientReceipt>((ok, fail) => {
    settle = { ok, fail };
  });
  receipt.catch(() => {}); // observed through the body under a strict policy
  const parts: Uint8Array[] = [];
  const fieldOf = (trailers: Field[]) => trailers.find(([n]) => n === RECEIPT_FIELD)?.[1];
  const check = async (): Promise<ClientReceipt> => {
    const field = fieldOf(await response.trailers);
    const req = await request;
    const body = concat(...parts);
    const committed = isEventStream(response.headers.get('content-type')) ? withoutSseComments(body) : body;
    return { ...(await v.checkReceipt(field, req, committed)), request: req };
  };
  const source = response.body;
  let body: ReadableStream<Uint8Array> | null = null;
  if (source === null) check().then(settle.ok, settle.fail);
  else {
    const reader = source.getReader();
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          // A cut stream (ERR_STREAM_TRUNCATED) never verifies.
          settle.fail(e);
          throw e;
        }
        if (!r.done) {
          parts.push(r.value);
          controller.enqueue(r.value);
          return;
        }
        try {
          settle.ok(await check());
        } catch (e) {
          settle.fail(e);
          if (strict(v) && !isRefusal(fieldOf(await response.trailers), response.headers.get('content-type')))
            throw e;
        }
        controller.close();
      },
      cancel(reason) {
        settle.fail(reason);
        return reader.cancel(reason);
      },
    });
  }
  // A new Response around the checked body: status and headers are the gateway's inner ones.
  const wrapped = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  return extend(wrapped, { trailers: response.trailers, receipt }) as unknown as R & {
    receipt: Promise<ClientReceipt>;
  };
}
