/**
 * The built-in target's direct path (targets.ts DirectTarget, inner.ts directRequest): for any inner
 * request, the gateway with it must answer byte for byte what the WHATWG path answers, refusals
 * included. Each request is sealed twice (fresh enc each), once per path.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoDirect } from '../../gateway/echo-target.ts';
import { answerEncapsulated, type GatewayDeps } from '../../gateway/handle.ts';
import { directRequest } from '../../gateway/inner.ts';
import { type BhttpRequest, decodeResponse, encodeRequest, type Field } from '../../shared/bhttp/index.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import type { KeyConfig } from '../../shared/keys/index.ts';
import { encapsulateRequest } from '../../shared/ohttp/index.ts';
import { fcParams } from '../support/seed.ts';
import { fetchKeys, makeGateway } from './support/harness.ts';

let gw: Awaited<ReturnType<typeof makeGateway>>;
let config: KeyConfig;
beforeAll(async () => {
  gw = await makeGateway();
  config = (await fetchKeys(gw.send))[0]!;
});
afterAll(() => gw.close());

async function answerWith(deps: GatewayDeps, msg: BhttpRequest) {
  const req = await encapsulateRequest(config, encodeRequest(msg), { primitives: nodePrimitives });
  const outer = await answerEncapsulated(deps, req.encapsulatedRequest, new AbortController().signal);
  expect(outer.status).toBe(200);
  const inner = decodeResponse(await req.openResponse(outer.body));
  return { status: inner.status, headers: inner.headers, content: Array.from(inner.content) };
}

const date = (): Field => ['date', new Date().toUTCString()];

describe('direct path of the echo target', () => {
  it('is on for --model echo', () => {
    expect(gw.deps.direct?.host).toBe('tacit.local');
  });

  it('answers POST /echo like the hono route', async () => {
    const msg: BhttpRequest = {
      method: 'POST',
      scheme: 'https',
      authority: 'tacit.local',
      path: '/echo',
      headers: [['content-type', 'text/plain'], date()],
      content: new Uint8Array([1, 2, 3]),
      trailers: [],
    };
    const { direct: _, ...slow } = gw.deps;
    expect(await answerWith(gw.deps, msg)).toEqual(await answerWith(slow, msg));
    expect(directRequest(msg, 'tacit.local', msg.content)).not.toBeNull();
    expect(echoDirect(directRequest(msg, 'tacit.local', msg.content)!)?.headers).toEqual([
      ['content-type', 'text/plain'],
    ]);
  });

  it('leaves to fetch what it cannot answer exactly', () => {
    const base: BhttpRequest = {
      method: 'POST',
      scheme: 'https',
      authority: 'tacit.local',
      path: '/echo',
      headers: [],
      content: new Uint8Array(0),
      trailers: [],
    };
    const none = (m: Partial<BhttpRequest>) => directRequest({ ...base, ...m }, 'tacit.local', base.content);
    expect(none({ scheme: 'http' })).toBeNull();
    expect(none({ authority: 'other.example' })).toBeNull();
    expect(none({ path: '/a/../echo' })).toBeNull();
    expect(none({ path: '/echo?x=1' })).toBeNull();
    expect(none({ headers: [['bad name', 'x']] })).toBeNull();
    expect(none({ headers: [['x-a', 'a\nb']] })).toBeNull();
    const two: Field[] = [
      ['content-type', 'a/b'],
      ['content-type', 'c/d'],
    ];
    expect(echoDirect(none({ headers: two })!)).toBeNull();
    expect(echoDirect(none({ method: 'post' })!)).toBeNull();
  });

  it('answers any inner request exactly as the WHATWG path does', async () => {
    const { direct: _, ...slow } = gw.deps;
    const field = fc.tuple(
      // Binary HTTP already refuses what Headers would (names that are no lowercase token, values
      // with NUL, CR, LF or outer whitespace), so only valid fields reach either path.
      fc.constantFrom('content-type', 'x-a', 'host', 'content-length', 'connection'),
      fc.constantFrom('', 'a/b', 'text/plain', 'a b', 'é'),
    );
    const req = fc.record({
      method: fc.constantFrom('POST', 'post', 'GET', 'PUT'),
      authority: fc.constantFrom('tacit.local', 'TACIT.local', 'tacit.local:443', 'other.example', ''),
      path: fc.constantFrom('/echo', '/echo/', '/echo?x', '/./echo', '/ECHO', '/v1/models', '/'),
      headers: fc.array(field, { maxLength: 3 }),
      content: fc.uint8Array({ maxLength: 64 }),
    });
    await fc.assert(
      fc.asyncProperty(req, async (r) => {
        const msg: BhttpRequest = {
          method: r.method,
          scheme: 'https',
          authority: r.authority,
          path: r.path,
          headers: [...(r.headers as Field[]), date()],
          content: r.content,
          trailers: [],
        };
        expect(await answerWith(gw.deps, msg)).toEqual(await answerWith(slow, msg));
      }),
      fcParams(60),
    );
  });
});
