/**
 * The trust layer without sockets: attestation before first use, manifests that bind the keys,
 * receipts issued by the gateway and checked by the client, streamed receipts as trailers, and the
 * log followed checkpoint to checkpoint. Each refusal names what failed.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustVerifier, type TrustPolicy } from '../../client/verify/index.ts';
import { streamedAnswerReceipt, wholeAnswerReceipt } from '../../gateway/trust/answer.ts';
import { requestFacts, StreamUsage } from '../../gateway/trust/facts.ts';
import { Commitment } from '../../gateway/trust/receipts.ts';
import { bytesToHex, utf8 } from '../../shared/bytes.ts';
import { generateOhttpKey } from '../../shared/keys/index.ts';
import { parseManifest } from '../../shared/manifest.ts';
import { encodeBase64Url } from '../../shared/note/base64.ts';
import { commit } from '../../shared/receipt/receipt.ts';
import { SseCommentFilter } from '../../shared/receipt/sse.ts';
import { fcParams } from '../support/seed.ts';
import { MEASUREMENT, MODEL, type TrustHarness, trustHarness } from './support/harness.ts';

let h: TrustHarness;
beforeAll(async () => {
  h = await trustHarness();
});
afterAll(async () => {
  await h.close();
});

function policy(over: Partial<TrustPolicy> = {}): TrustPolicy {
  return {
    attestation: 'http://gw.test/attestation',
    log: 'http://gw.test/log/',
    provider: 'dev',
    devPlatformKey: h.platformPublicKey,
    measurements: [MEASUREMENT],
    models: [MODEL],
    ...over,
  };
}

const facts = { body: null, sampling: { temperature: 0 }, seed: 7 };

async function answer(request: string, response: string): Promise<string> {
  const draft = h.trust.issuer.draft();
  draft.request.update(utf8.encode(request));
  const [, value] = await wholeAnswerReceipt(
    { trust: h.trust, draft, model: MODEL, facts },
    'application/json',
    utf8.encode(response),
  );
  return value;
}

describe('commitments', () => {
  it('the incremental commitment equals shared/receipt commit, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(300),
        async (salt, bytes, cut) => {
          const c = new Commitment(salt, 'response');
          c.update(bytes.subarray(0, cut)).update(bytes.subarray(cut));
          expect(c.digest()).toBe(await commit(salt, 'response', bytes));
        },
      ),
      fcParams(50),
    );
  });
});

describe('event stream commitments', () => {
  it('gateway and client drop the same comment lines, however the stream is split', () => {
    const line = fc.constantFrom(
      'data: {"x":1}\n',
      ': filler\n',
      '\n',
      ':\n',
      'event: e\n',
      'data: :colon\n',
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        (lines, cuts) => {
          const bytes = utf8.encode(lines.join(''));
          const expected = lines.filter((l) => !l.startsWith(':')).join('');
          {
            const f = new SseCommentFilter();
            const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            let out = '';
            let prev = 0;
            for (const p of [...points, bytes.length]) {
              out += utf8.decode(f.push(bytes.subarray(prev, p)));
              prev = p;
            }
            expect(out).toBe(expected);
          }
        },
      ),
      fcParams(100),
    );
  });
});

describe('attestation before first use', () => {
  it('accepts the dev gateway under an explicit dev policy, and binds the manifest', async () => {
    const v = createTrustVerifier(policy(), h.fetch);
    const gw = await v.checkKey(h.keys[0]!);
    expect(gw.dev).toBe(true);
    expect(gw.warnings.join()).toContain('not a real enclave');
    expect(gw.measurement).toBe(MEASUREMENT);
    expect(gw.manifest.models).toEqual([MODEL]);
    expect(bytesToHex(gw.manifestHash)).toBe(
      createHash('sha256').update(h.trust.manifest().bytes).digest('hex'),
    );
  });

  it.each([
    [
      'a measurement the policy does not accept',
      { measurements: ['ee'.repeat(32)] },
      /measurement .* is not one the policy accepts/,
    ],
    ['no accepted model', { models: [`sha256:${'00'.repeat(32)}`] }, /serves none of the accepted models/],
    ['another dev platform key', { devPlatformKey: new Uint8Array(32).fill(9) }, /attestation signature/],
    ['a Nitro-only policy', { provider: 'aws-nitro' as const }, /provider dev/],
  ])('refuses %s', async (_, over, message) => {
    const v = createTrustVerifier(policy(over), h.fetch);
    await expect(v.checkKey(h.keys[0]!)).rejects.toMatchObject({
      code: 'ERR_VERIFY',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a dev policy without a platform key', async () => {
    const v = createTrustVerifier(policy({ devPlatformKey: undefined }), h.fetch);
    await expect(v.gateway()).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('refuses a key configuration the attested manifest does not cover', async () => {
    const v = createTrustVerifier(policy(), h.fetch);
    const stranger = (await generateOhttpKey({ keyId: 1 })).config;
    await expect(v.checkKey(stranger)).rejects.toMatchObject({
      code: 'ERR_VERIFY',
      message: expect.stringMatching(/not covered by the attested manifest/),
    });
  });

  it('refuses a manifest swapped under valid evidence', async () => {
    const swapping = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await h.fetch(input, init);
      const body = (await res.json()) as { manifest: string };
      const m = JSON.parse(utf8.decode(h.trust.manifest().bytes));
      m.models = [`sha256:${'11'.repeat(32)}`];
      body.manifest = encodeBase64Url(utf8.encode(JSON.stringify(m)));
      return Response.json(body);
    }) as typeof fetch;
    await expect(createTrustVerifier(policy(), swapping).gateway()).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
  });

  it('answers 400 to a missing or oversized nonce', async () => {
    expect((await h.app.request('/attestation')).status).toBe(400);
    expect((await h.app.request(`/attestation?nonce=${'A'.repeat(100)}`)).status).toBe(400);
  });

  it('parses only canonical manifests', () => {
    const bytes = h.trust.manifest().bytes;
    expect(parseManifest(bytes).log.origin).toBe('tacit.test/receipts');
    const spaced = utf8.encode(utf8.decode(bytes).replace(':', ': '));
    expect(() => parseManifest(spaced)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });
});

describe('receipts', () => {
  it('verifies a receipt against the exact request and response, and proves it in the log', async () => {
    const v = createTrustVerifier(policy(), h.fetch);
    const field = await answer('GET /v1/models', '{"data":[]}');
    const r = await v.checkReceipt(field, utf8.encode('GET /v1/models'), utf8.encode('{"data":[]}'));
    expect(r.receipt.model).toBe(MODEL);
    expect(r.receipt.seed).toBe(7);
    const log = (await v.log())!;
    const cp = await log.proveInclusion(r);
    expect(cp.size).toBeGreaterThan(r.receipt.logIndex);
    // Later checkpoints must extend the one seen.
    for (let i = 0; i < 5; i++) await answer(`q${i}`, `a${i}`);
    expect((await log.refresh()).size).toBe(cp.size + 5);
  });

  it.each([
    ['another response', (f: string) => f, 'request', '{"data":[1]}', /response commitment/],
    ['another request', (f: string) => f, 'other', '{"data":[]}', /request commitment/],
    ['a tampered receipt', (f: string) => tamper(f), 'request', '{"data":[]}', /signature|malformed/],
    [
      'a missing salt',
      (f: string) => f.split('.').slice(0, 2).join('.'),
      'request',
      '{"data":[]}',
      /no salt/,
    ],
  ])('refuses %s', async (_, mutate, req, res, message) => {
    const v = createTrustVerifier(policy(), h.fetch);
    const field = await answer('request', '{"data":[]}');
    await expect(v.checkReceipt(mutate(field), utf8.encode(req), utf8.encode(res))).rejects.toMatchObject({
      code: 'ERR_VERIFY',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a receipt signed by a key the gateway did not attest', async () => {
    const other = await trustHarness();
    try {
      const draft = other.trust.issuer.draft();
      draft.request.update(utf8.encode('q'));
      const [, field] = await wholeAnswerReceipt(
        { trust: other.trust, draft, model: MODEL, facts },
        null,
        utf8.encode('a'),
      );
      const v = createTrustVerifier(policy(), h.fetch);
      await expect(v.checkReceipt(field, utf8.encode('q'), utf8.encode('a'))).rejects.toMatchObject({
        message: expect.stringMatching(/key the gateway did not attest/),
      });
    } finally {
      await other.close();
    }
  });

  it('refuses an answer without a receipt', async () => {
    const v = createTrustVerifier(policy(), h.fetch);
    await expect(v.checkReceipt(undefined, new Uint8Array(0), new Uint8Array(0))).rejects.toMatchObject({
      message: 'the answer carries no receipt',
    });
  });

  it('commits a streamed answer in its trailer, after the last chunk', async () => {
    const chunks = [
      'data: {"choices":[{"delta":{"content":"a"}}]}\n\n',
      'data: {"choices":[{"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n',
    ];
    const draft = h.trust.issuer.draft();
    draft.request.update(utf8.encode('req'));
    const out = streamedAnswerReceipt(
      { trust: h.trust, draft, model: MODEL, facts },
      'text/event-stream',
      new ReadableStream({
        start(c) {
          for (const x of chunks) c.enqueue(utf8.encode(x));
          c.close();
        },
      }),
    );
    const body = await new Response(out.body).text();
    const [[name, field]] = (await out.trailers) as [[string, string]];
    expect(name).toBe('tacit-receipt');
    const v = createTrustVerifier(policy(), h.fetch);
    const r = await v.checkReceipt(field, utf8.encode('req'), utf8.encode(body));
    expect(r.receipt.usage).toEqual({ prompt: 0, completion: 2 });
  });

  it('issues no trailer for a stream that fails', async () => {
    const draft = h.trust.issuer.draft();
    const before = h.trust.log.size;
    const out = streamedAnswerReceipt(
      { trust: h.trust, draft, model: MODEL, facts },
      'text/event-stream',
      new ReadableStream({
        pull(c) {
          c.error(new Error('cut'));
        },
      }),
    );
    await expect(new Response(out.body).text()).rejects.toThrow();
    const settled = await Promise.race([
      out.trailers.then(() => 'resolved'),
      new Promise((r) => setImmediate(() => r('pending'))),
    ]);
    expect(settled).toBe('pending');
    expect(h.trust.log.size).toBe(before);
  });
});

describe('request facts', () => {
  const enc = (v: unknown) => utf8.encode(JSON.stringify(v));
  it('records sampling parameters and adds a seed when the request has none', () => {
    const f = requestFacts(
      'POST',
      '/v1/chat/completions',
      'application/json',
      enc({ model: 'm', temperature: 0.5, messages: [] }),
    );
    expect(f.sampling).toEqual({ temperature: 0.5 });
    expect(Number.isSafeInteger(f.seed)).toBe(true);
    expect(JSON.parse(utf8.decode(f.body!)).seed).toBe(f.seed);
  });
  it('keeps a given seed and leaves other requests alone', () => {
    const body = enc({ seed: 42, top_p: 1 });
    expect(requestFacts('POST', '/v1/completions', 'application/json', body)).toEqual({
      body,
      sampling: { top_p: 1 },
      seed: 42,
    });
    expect(requestFacts('GET', '/v1/models', null, null)).toEqual({ body: null, sampling: {}, seed: null });
  });
  it('takes a stream usage chunk over counting deltas', () => {
    const u = new StreamUsage(true);
    u.update(
      utf8.encode(
        'data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"comp',
      ),
    );
    u.update(utf8.encode('letion_tokens":9}}\n\n'));
    expect(u.result()).toEqual({ prompt: 5, completion: 9 });
  });
});

function tamper(field: string): string {
  const [c, s, salt] = field.split('.');
  const text = utf8.decode(Buffer.from(c!, 'base64url')).replace('"temperature":0', '"temperature":1');
  return [Buffer.from(text).toString('base64url'), s, salt].join('.');
}
