/**
 * Refusals written straight to a node:http response, as RFC 9457 problem details
 * (shared/problem.ts). The hot POST path answers through these; hono routes use `problemResponse`.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { PROBLEM_MEDIA_TYPE, problem } from '../shared/problem.ts';

export function sendProblem(
  res: ServerResponse,
  status: number,
  title: string,
  extra?: OutgoingHttpHeaders,
  close = false,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(problem(status, title));
  const headers: OutgoingHttpHeaders = {
    'content-type': PROBLEM_MEDIA_TYPE,
    'content-length': Buffer.byteLength(body),
    ...extra,
  };
  // When the request body was not (fully) read, closing is cheaper than reading what is left, and
  // leaves a flooding client nothing to keep the connection busy with.
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}
