/**
 * Byte stream plumbing for the chunked API: accept a web `ReadableStream`, any async iterable (a Node
 * `Readable`, an async generator) or a plain iterable, and hand out web `ReadableStream`s (the body type
 * of `fetch`, `Response` and hono), which are also async iterable in Node.
 */

export { type ByteSource, iterateBytes } from '../../byte-source.ts';

/** A pull-driven ReadableStream over an async generator: nothing runs ahead of the reader. */
export function toReadableStream(gen: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await gen.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel(reason) {
      await gen.return(undefined);
      void reason;
    },
  });
}

/**
 * Reads exactly `n` bytes from the front of an iterator; returns them and whatever else the last read
 * brought, or undefined if the stream ended first.
 */
export async function readPrefix(
  it: AsyncIterator<Uint8Array>,
  n: number,
  already: Uint8Array = new Uint8Array(0),
): Promise<{ prefix: Uint8Array; rest: Uint8Array } | undefined> {
  const parts: Uint8Array[] = already.length > 0 ? [already] : [];
  let have = already.length;
  while (have < n) {
    const r = await it.next();
    if (r.done) return undefined;
    parts.push(r.value);
    have += r.value.length;
  }
  const all = new Uint8Array(have);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return { prefix: all.subarray(0, n), rest: all.subarray(n) };
}
