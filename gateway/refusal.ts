/**
 * The gateway's own answers after decryption (RFC 9457 problem details): encoded straight to Binary
 * HTTP, so they travel encrypted like any target's answer (RFC 9458 5.2), and no outer response ever
 * tells an observer why a request failed.
 */
import { encodeResponse, type Field, type Framing } from '../shared/bhttp/index.ts';
import { problem } from '../shared/problem.ts';

export interface Refusal {
  status: number;
  title: string;
  /** RFC 9457 problem type URI; about:blank by default. */
  type?: string;
  headers?: Field[];
}

export function refusalBody(r: Refusal): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(problem(r.status, r.title, r.type)));
}

export function refusalFields(r: Refusal): Field[] {
  return [['content-type', 'application/problem+json'], ...(r.headers ?? [])];
}

/** Binary HTTP response for a refusal: known-length, or indeterminate-length inside chunked OHTTP. */
export function refusalBytes(r: Refusal, framing: Framing = 'known-length'): Uint8Array {
  return encodeResponse(
    { status: r.status, headers: refusalFields(r), content: refusalBody(r) },
    { framing },
  );
}

export const REFUSALS = {
  badRequest: { status: 400, title: 'bad request' },
  busy: { status: 503, title: 'service unavailable', headers: [['retry-after', '1']] },
  timeout: { status: 504, title: 'gateway timeout' },
  // 499 is nginx's "client closed request"; nobody reads it (the client is gone), it only completes the stream.
  cancelled: { status: 499, title: 'client closed request' },
  internal: { status: 500, title: 'internal error' },
  tooLarge: { status: 502, title: 'response too large' },
} satisfies Record<string, Refusal>;
