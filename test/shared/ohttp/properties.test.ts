/**
 * Properties (fixed seed, see test/support/seed.ts): random messages round-trip on every backend;
 * every truncation and every single-byte change of an encapsulated request, response or chunk stream
 * is rejected with a typed error (never accepted, never an untyped exception); a chunked stream never
 * ends cleanly without its final chunk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concat } from '../../../shared/bytes.ts';
import { isTacitError, type TacitErrorCode } from '../../../shared/errors.ts';
import { KEM } from '../../../shared/hpke/index.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';
import {
  generateOhttpKey,
  importServerKey,
  type KeyConfig,
  type ServerKey,
} from '../../../shared/keys/index.ts';
import {
  decapsulateChunkedRequest,
  decapsulateRequest,
  encapsulateChunkedRequest,
  encapsulateRequest,
} from '../../../shared/ohttp/index.ts';
import { fcParams } from '../../support/seed.ts';
import { BACKENDS } from './backends.ts';
import { collect, pieces } from './streams.ts';

async function setup(
  kemId: number = KEM.X25519_HKDF_SHA256,
): Promise<{ config: KeyConfig; keys: ServerKey[] }> {
  const key = await generateOhttpKey({ keyId: 3, kemId: kemId as 0x20 }, nodePrimitives);
  return { config: key.config, keys: [await importServerKey(key, nodePrimitives)] };
}

/** Runs `f`; returns the TacitError code it threw, or 'ok'. Anything but a TacitError fails the test. */
async function outcome(f: () => Promise<unknown>): Promise<TacitErrorCode | 'ok'> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!isTacitError(e)) throw e;
    return e.code;
  }
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

describe.each(BACKENDS)('round trips on $name', (p) => {
  it.each([KEM.X25519_HKDF_SHA256, KEM.P256_HKDF_SHA256, KEM.P384_HKDF_SHA384])('KEM %i', async (kemId) => {
    const { config, keys } = await setup(kemId);
    await fc.assert(
      fc.asyncProperty(bytes(2000), bytes(2000), async (request, response) => {
        const req = await encapsulateRequest(config, request, { primitives: p });
        const d = await decapsulateRequest(keys, req.encapsulatedRequest);
        expect(bytesToHex(d.request)).toBe(bytesToHex(request));
        expect(bytesToHex(await req.openResponse(await d.sealResponse(response)))).toBe(bytesToHex(response));
      }),
      fcParams(kemId === KEM.P384_HKDF_SHA384 ? 10 : 30),
    );
  });

  it('chunked, in random pieces and transport splits', async () => {
    const { config, keys } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.array(bytes(300), { maxLength: 6 }),
        fc.array(bytes(300), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 100 }),
        async (reqParts, resParts, split, maxChunkSize) => {
          const c = await encapsulateChunkedRequest(config, reqParts, { primitives: p, maxChunkSize });
          const wire = concat(...(await collect(c.body)));
          const g = await decapsulateChunkedRequest(keys, pieces(wire, split), { maxChunkSize });
          expect(bytesToHex(concat(...(await collect(g.request))))).toBe(bytesToHex(concat(...reqParts)));
          const res = concat(...(await collect(g.encapsulateResponse(resParts))));
          const out = await collect(c.openResponse(pieces(res, split)));
          expect(bytesToHex(concat(...out))).toBe(bytesToHex(concat(...resParts)));
        },
      ),
      fcParams(40),
    );
  });
});

describe('tampering with whole messages', () => {
  it('rejects every truncation and every single-byte change of a request and a response', async () => {
    const { config, keys } = await setup();
    const req = await encapsulateRequest(config, new Uint8Array(40).fill(7), { primitives: nodePrimitives });
    const d = await decapsulateRequest(keys, req.encapsulatedRequest);
    const res = await d.sealResponse(new Uint8Array(30).fill(9));
    const wire = req.encapsulatedRequest;
    for (let n = 0; n < wire.length; n++) {
      const code = await outcome(() => decapsulateRequest(keys, wire.subarray(0, n)));
      expect(code).toBe(n < 7 ? 'ERR_TRUNCATED' : 'ERR_DECRYPT');
    }
    for (let n = 0; n < res.length; n++) {
      expect(await outcome(() => req.openResponse(res.subarray(0, n)))).toBe('ERR_DECRYPT');
    }
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const w = wire.slice();
        w[i % w.length]! ^= x;
        const code = await outcome(() => decapsulateRequest(keys, w));
        // The header selects the key: a changed key id, KEM, KDF or AEAD matches no key.
        expect(code).toBe(i % w.length < 7 ? 'ERR_UNKNOWN_KEY' : 'ERR_DECRYPT');
        const r = res.slice();
        r[i % r.length]! ^= x;
        expect(await outcome(() => req.openResponse(r))).toBe('ERR_DECRYPT');
      }),
      fcParams(300),
    );
  });
});

describe('tampering with chunk streams', () => {
  it('a request stream that is cut or changed never completes', async () => {
    const { config, keys } = await setup();
    const c = await encapsulateChunkedRequest(config, [new Uint8Array(20), new Uint8Array(5)], {
      primitives: nodePrimitives,
    });
    const wire = concat(...(await collect(c.body)));
    const run = (w: Uint8Array) =>
      outcome(async () => collect((await decapsulateChunkedRequest(keys, pieces(w, 7))).request));
    expect(await run(wire)).toBe('ok');
    for (let n = 0; n < wire.length; n++) {
      const code = await run(wire.subarray(0, n));
      expect(['ERR_STREAM_TRUNCATED', 'ERR_DECRYPT']).toContain(code);
    }
    for (let i = 0; i < wire.length; i++) {
      const w = wire.slice();
      w[i]! ^= 0x41;
      const code = await run(w);
      expect(code).not.toBe('ok');
    }
  });

  it('a response stream that is cut or changed never completes', async () => {
    const { config, keys } = await setup();
    const c = await encapsulateChunkedRequest(config, [], { primitives: nodePrimitives });
    const g = await decapsulateChunkedRequest(keys, c.body);
    await collect(g.request);
    const res = concat(...(await collect(g.encapsulateResponse([new Uint8Array(9), new Uint8Array(33)]))));
    const run = (w: Uint8Array) => outcome(() => collect(c.openResponse(pieces(w, 5))));
    expect(await run(res)).toBe('ok');
    for (let n = 0; n < res.length; n++) {
      expect(['ERR_STREAM_TRUNCATED', 'ERR_DECRYPT']).toContain(await run(res.subarray(0, n)));
    }
    for (let i = 0; i < res.length; i++) {
      const w = res.slice();
      w[i]! ^= 0x41;
      expect(await run(w)).not.toBe('ok');
    }
  });

  it('a stream cut at a chunk boundary is ERR_STREAM_TRUNCATED, an oversized chunk ERR_TOO_LARGE', async () => {
    const { config, keys } = await setup();
    const c = await encapsulateChunkedRequest(config, [new Uint8Array(10)], { primitives: nodePrimitives });
    const [header, first] = await collect(c.body);
    const run = (w: Uint8Array, maxChunkSize?: number) =>
      outcome(async () => collect((await decapsulateChunkedRequest(keys, [w], { maxChunkSize })).request));
    expect(await run(concat(header!, first!))).toBe('ERR_STREAM_TRUNCATED');
    expect(await run(header!)).toBe('ERR_STREAM_TRUNCATED');
    expect(await run(concat(header!, first!), 9)).toBe('ERR_TOO_LARGE');
  });
});

describe('random bytes to every decoder', () => {
  it('throw only TacitError', async () => {
    const { config, keys } = await setup();
    const c = await encapsulateChunkedRequest(config, [], { primitives: nodePrimitives });
    await fc.assert(
      fc.asyncProperty(bytes(200), async (b) => {
        // A random header rarely names our key; put a valid header in front half of the time.
        const withHeader = concat(new Uint8Array([3, 0, 0x20, 0, 1, 0, 1]), b);
        for (const input of [b, withHeader]) {
          await outcome(() => decapsulateRequest(keys, input));
          await outcome(async () => collect((await decapsulateChunkedRequest(keys, [input])).request));
        }
        await outcome(() => collect(c.openResponse([b])));
        await outcome(() => collect(c.openResponse(pieces(b, 3))));
      }),
      fcParams(300),
    );
  });
});

describe('bad arguments', () => {
  it('are ERR_INVALID_ARGUMENT, never a TypeError', async () => {
    const { config, keys } = await setup();
    const notBytes = 'text' as unknown as Uint8Array;
    expect(await outcome(() => encapsulateRequest(config, notBytes))).toBe('ERR_INVALID_ARGUMENT');
    expect(await outcome(() => decapsulateRequest(keys, notBytes))).toBe('ERR_INVALID_ARGUMENT');
    const notSource = { x: 1 } as unknown as Uint8Array[];
    expect(await outcome(() => decapsulateChunkedRequest(keys, notSource))).toBe('ERR_INVALID_ARGUMENT');
    expect(await outcome(() => decapsulateChunkedRequest(keys, [notBytes]))).toBe('ERR_INVALID_ARGUMENT');
    const c = await encapsulateChunkedRequest(config, [notBytes]);
    expect(await outcome(() => collect(c.body))).toBe('ERR_INVALID_ARGUMENT');
  });
});
