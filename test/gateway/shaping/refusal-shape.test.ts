/**
 * With shaping on, the gateway's own refusals on the streaming path leave exactly like a streamed
 * answer: the same number of equal-sized sealed chunks. Otherwise a stale-date or busy refusal would
 * stand out on the wire. The control (shaping off) shows the shapes differ.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChunkParser } from '../../../shared/ohttp/chunked/index.ts';
import { collect, fetchKeys, makeGateway, ohttpChunked, type Send } from '../support/harness.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

const sse = () =>
  new Response('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n', {
    headers: { 'content-type': 'text/event-stream' },
  });

/** The sizes of the sealed chunks of the outer chunked response, and its total length. */
async function wireShape(
  shaping: 'on' | 'off',
  stale: boolean,
): Promise<{ chunks: number[]; total: number }> {
  const gw = await makeGateway({
    builtin: sse,
    flags: ['--shaping', shaping, '--tick', '2ms', '--cell-size', '256', '--cell-count', 'pow2:8'],
  });
  closers.push(() => gw.close());
  const [config] = await fetchKeys(gw.send);
  // What the relay would see: a copy of the outer body, before decryption.
  let raw: ReadableStream<Uint8Array> | undefined;
  const send: Send = async (path, init) => {
    const res = await gw.send(path, init);
    if (path !== '/gateway' || res.body === null) return res;
    const [mine, copy] = res.body.tee();
    raw = copy;
    return new Response(mine, { status: res.status, headers: res.headers });
  };
  const r = await ohttpChunked(send, config!, {
    url: 'https://tacit.local/v1/stream',
    ...(stale ? { date: new Date(Date.now() - 3_600_000) } : {}),
  });
  expect(r.status).toBe(stale ? 400 : 200);
  await collect(r.pieces);
  const pieces: Uint8Array[] = [];
  for await (const piece of raw as unknown as AsyncIterable<Uint8Array>) pieces.push(piece);
  const wire = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of pieces) {
    wire.set(p, off);
    off += p.length;
  }
  // AES-128-GCM: the response nonce is max(Nn, Nk) = 16 bytes, then the chunks.
  const chunks = new ChunkParser(1 << 20).push(wire.subarray(16)).map((c) => c.ciphertext.length);
  return { chunks, total: wire.length };
}

describe('streamed refusals under shaping', () => {
  it('have the same wire shape as a streamed answer', async () => {
    const answer = await wireShape('on', false);
    const refusal = await wireShape('on', true);
    expect(refusal).toEqual(answer);
    expect(new Set(answer.chunks).size).toBe(1);
  });

  it('differ when shaping is off (control)', async () => {
    expect(await wireShape('off', true)).not.toEqual(await wireShape('off', false));
  });
});
