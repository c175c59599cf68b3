/** The gateway on a real socket: the direct node:http path for `message/ohttp-req` answers as hono does. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../gateway/config.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import { PROBLEM_TYPE_OHTTP_KEY } from '../../shared/problem.ts';
import { fetchKeys, keyStoreFile, ohttp, type Send, sealRequest } from './support/harness.ts';

let gw: RunningGateway;
let send: Send;
let sawAbort: () => void;
const aborted = new Promise<void>((r) => {
  sawAbort = r;
});

beforeAll(async () => {
  const keys = await keyStoreFile();
  const { config } = buildConfig(['--keys', keys, '--port', '0', '--max-body', '2048']);
  gw = await startGateway({
    config: config!,
    log: pino({ level: 'silent' }),
    builtin: async (req) => {
      if (new URL(req.url).pathname === '/hang') {
        return new Promise<Response>((_, reject) =>
          req.signal.addEventListener('abort', () => {
            sawAbort();
            reject(req.signal.reason);
          }),
        );
      }
      return new Response(`echo ${await req.text()}`);
    },
  });
  send = (path, init) => fetch(`${gw.url}${path}`, init);
});
afterAll(() => gw.close());

describe('gateway over a socket', () => {
  it('answers a request end to end', async () => {
    const [config] = await fetchKeys(send);
    const a = await ohttp(send, config!, { method: 'POST', url: 'https://tacit.local/', body: 'hi' });
    expect(a.outer.headers.get('content-type')).toBe('message/ohttp-res');
    expect(a.text).toBe('echo hi');
  });

  it('answers errors before decryption as the hono edge does: 413, 400, 422, 415', async () => {
    const post = (body: Uint8Array, type = 'message/ohttp-req') =>
      send('/gateway', {
        method: 'POST',
        headers: { 'content-type': type },
        body: body as Uint8Array<ArrayBuffer>,
      });
    expect((await post(new Uint8Array(4096))).status).toBe(413);
    const garbage = await post(new Uint8Array([1, 2, 3]));
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toBe('application/problem+json');
    const [config] = await fetchKeys(send);
    const unknown = await sealRequest({ ...config!, keyId: 200 }, { url: 'https://tacit.local/' });
    const r = await post(unknown.encapsulatedRequest);
    expect(r.status).toBe(422);
    expect((await r.json()).type).toBe(PROBLEM_TYPE_OHTTP_KEY);
    expect((await post(new Uint8Array(8), 'text/plain')).status).toBe(415);
  });

  it('cancels the target when the client closes the connection', async () => {
    const [config] = await fetchKeys(send);
    const client = new AbortController();
    const pending = ohttp(
      send,
      config!,
      { url: 'https://tacit.local/hang' },
      { signal: client.signal },
    ).catch(() => null);
    await new Promise((r) => setTimeout(r, 100));
    client.abort();
    await aborted;
    await pending;
  });
});
