/**
 * Byte stream plumbing for the chunked API: accept a web `ReadableStream`, any async iterable (a Node
 * `Readable`, an async generator) or a plain iterable, and hand out web `ReadableStream`s (the body type
 * of `fetch`, `Response` and hono), which are also async iterable in Node.
 */
import { invalidArgument } from '../../errors.ts';

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof (s as ReadableStream | null)?.getReader === 'function';
}

async function* fromReader(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** One async iterator over any byte source; every item is checked to be a Uint8Array. */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array> {
  const it: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = isReadableStream(source)
    ? fromReader(source)
    : source;
  const iterable = it as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (
    iterable === null ||
    typeof iterable !== 'object' ||
    (typeof iterable[Symbol.asyncIterator] !== 'function' && typeof iterable[Symbol.iterator] !== 'function')
  ) {
    throw invalidArgument('byte source expected (ReadableStream, async iterable or iterable of Uint8Array)');
  }
  for await (const chunk of it) {
    if (!(chunk instanceof Uint8Array)) throw invalidArgument('byte source yielded a non-Uint8Array');
    yield chunk;
  }
}

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
