/**
 * Byte sources, as every streaming part of the protocol takes them: a web `ReadableStream` (the body
 * type of fetch, Response and hono), any async iterable (an async generator, a Node `Readable`), or a
 * plain iterable. Web APIs only: in browsers a ReadableStream may not be async-iterable, so it is read
 * through its reader.
 */
import { invalidArgument } from './errors.ts';

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return typeof (s as ReadableStream | null)?.getReader === 'function';
}

/** Reads a stream to its end; stopping early cancels it, so that its producer stops too. */
async function* fromReader(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** One async iterator over any byte source; every item is checked to be a Uint8Array. */
export async function* iterateBytes(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
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
