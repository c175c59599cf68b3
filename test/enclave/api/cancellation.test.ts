/**
 * Cancellation reaches the engine: when the client goes away (the request's signal aborts, or the
 * event stream is cancelled) the engine request's signal aborts and its generation ends.
 */
import { describe, expect, it } from 'vitest';
import { chat, setup } from './support/app.ts';
import { bytesOf } from './support/byte-codec.ts';

const long = () => bytesOf('x'.repeat(100));

/** Waits (event-loop turns, not time) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe('cancellation', () => {
  it('a non-streamed request whose client aborts aborts the engine request', async () => {
    const { post, engine } = setup({ script: long, manual: true });
    const client = new AbortController();
    const pending = Promise.resolve(post('/v1/chat/completions', chat('x'), {}, client.signal)).catch(
      (e: unknown) => e,
    );
    await until(() => engine.waiting > 0);
    engine.step();
    engine.step();
    await until(() => engine.waiting > 0);
    expect(engine.requests[0]!.signal!.aborted).toBe(false);
    client.abort();
    await until(() => engine.requests[0]!.signal!.aborted);
    await pending;
    await until(() => engine.endings.length === 1);
    expect(engine.endings).toEqual(['cancelled']);
  });

  it('cancelling a streamed response aborts the engine request', async () => {
    const { post, engine, metrics } = setup({ script: long, manual: true });
    const resPromise = post('/v1/chat/completions', chat('x', { stream: true }));
    await until(() => engine.waiting > 0);
    engine.step(); // the first token: the response starts
    const res = await resPromise;
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"role":"assistant"');
    // The first token was produced before the response started; it is the second event.
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"content":"x"');
    // The stream is pull-driven: the engine is asked for the next token only when the client reads.
    expect(engine.waiting).toBe(0);
    const pendingRead = reader.read();
    await until(() => engine.waiting > 0);
    engine.step();
    expect(new TextDecoder().decode((await pendingRead).value)).toContain('"content":"x"');
    void reader.read();
    await until(() => engine.waiting > 0);
    expect(engine.requests[0]!.signal!.aborted).toBe(false);
    await reader.cancel();
    await until(() => engine.requests[0]!.signal!.aborted);
    await until(() => engine.endings.length === 1);
    expect(engine.endings).toEqual(['cancelled']);
    expect(metrics.cancelled.get()).toBe(1);
    expect(metrics.requests.get({ endpoint: 'chat', status: 'cancelled' })).toBe(1);
  });

  it('a streamed response read to the end does not abort anything', async () => {
    const { post, engine, metrics } = setup({ script: () => bytesOf('ok') });
    const text = await (await post('/v1/chat/completions', chat('x', { stream: true }))).text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(engine.requests[0]!.signal!.aborted).toBe(false);
    expect(metrics.cancelled.get()).toBe(0);
  });
});
