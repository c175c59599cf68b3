/** How `tacit fetch` prints an answer, and the one-line reason for a failure. */
import { STATUS_CODES } from 'node:http';
import { isTacitError } from '../shared/errors.ts';

export async function printResponse(res: Response, opts: { json: boolean; stream: boolean }): Promise<void> {
  const headers: [string, string][] = [];
  for (const [name, value] of res.headers) headers.push([name, value]);
  if (opts.json) {
    const body = await res.text();
    process.stdout.write(
      `${JSON.stringify({ status: res.status, headers: Object.fromEntries(headers), body })}\n`,
    );
    return;
  }
  // Binary HTTP carries no protocol version; the status line says HTTP and the code.
  let head = `HTTP ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trimEnd();
  for (const [name, value] of headers) head += `\n${name}: ${value}`;
  process.stdout.write(`${head}\n\n`);
  if (res.body === null) return;
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(piece, (err) => (err ? reject(err) : resolve())),
    );
  }
}

export function describeFailure(e: unknown): string {
  if (isTacitError(e)) {
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    return `${e.code}: ${e.message}${cause}`;
  }
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'timed out';
  return e instanceof Error ? e.message : String(e);
}
