/**
 * End to end over loopback: a real gateway (built-in model, dev attestation, receipts, log) and the
 * SDK with a trust policy. Good answers verify, whole and streamed, and are proved in the log; each
 * way of going wrong is refused by the SDK with an error that says what failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type TacitClient } from '../../client/index.ts';
import type { ClientReceipt } from '../../client/verify/attach.ts';
import type { TrustPolicy } from '../../client/verify/index.ts';
import { createDevAttester, type DevAttester } from '../../enclave/attestation/index.ts';
import { buildConfig } from '../../gateway/config.ts';
import { type RunningGateway, startGateway } from '../../gateway/server.ts';
import type { ReceiptIssuer } from '../../gateway/trust/receipts.ts';
import { createTrust } from '../../gateway/trust/trust.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { encodeKeyConfigList, generateOhttpKey } from '../../shared/keys/index.ts';
import { keyStoreFile } from '../gateway/support/harness.ts';

const MEASUREMENT = 'ab'.repeat(32);
const dir = mkdtempSync(join(tmpdir(), 'tacit-e2e-trust-'));
let gw: RunningGateway;
let attester: DevAttester;
let model: string;

beforeAll(async () => {
  attester = await createDevAttester({ measurement: MEASUREMENT, platformKey: join(dir, 'platform.key') });
  const { config, errors } = buildConfig(['--keys', await keyStoreFile(), '--port', '0'], {});
  if (config === null) throw new Error(errors.join('; '));
  gw = await startGateway({
    config,
    log: pino({ level: 'silent' }),
    trust: { dir: join(dir, 'state'), attester },
  });
  model = JSON.parse(new TextDecoder().decode(gw.gateway.deps.trust!.trust.manifest().bytes)).models[0];
});
afterAll(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

function policy(over: Partial<TrustPolicy> = {}): TrustPolicy {
  return {
    attestation: `${gw.url}/attestation`,
    log: `${gw.url}/log/`,
    provider: 'dev',
    devPlatformKey: attester.platformPublicKey,
    measurements: [MEASUREMENT],
    models: [model],
    ...over,
  };
}

function client(
  over: Partial<TrustPolicy> = {},
  opts: { keys?: Uint8Array; transport?: typeof fetch } = {},
): TacitClient {
  return createClient({
    relay: `${gw.url}/gateway`,
    keys: opts.keys ?? `${gw.url}/ohttp-keys`,
    primitives: nodePrimitives,
    trust: policy(over),
    ...(opts.transport === undefined ? {} : { transport: opts.transport }),
  });
}

const chat = (stream: boolean) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    model: 'tacit-tiny',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 6,
    stream,
  }),
});
const receiptOf = (r: Response) => (r as Response & { receipt: Promise<ClientReceipt> }).receipt;

describe('verifiable inference end to end', () => {
  it('verifies whole and streamed answers and proves them in a consistent log', async () => {
    const c = client();
    const whole = await c.fetch('https://tacit.local/v1/chat/completions', chat(false));
    expect(whole.status).toBe(200);
    const body = await whole.text();
    const r1 = await receiptOf(whole);
    expect(r1.receipt.model).toBe(model);
    expect(r1.receipt.measurement).toBe(MEASUREMENT);
    expect(r1.receipt.seed).not.toBeNull();
    expect(body).toContain('chat.completion');

    const streamed = await c.fetch('https://tacit.local/v1/chat/completions', chat(true));
    expect(await streamed.text()).toContain('[DONE]');
    const r2 = await receiptOf(streamed);
    expect(r2.receipt.logIndex).toBeGreaterThan(r1.receipt.logIndex);

    const log = (await c.trust!.log())!;
    await log.proveInclusion(r1);
    const cp = await log.proveInclusion(r2);
    expect(cp.size).toBeGreaterThan(r2.receipt.logIndex);
  });

  it.each([
    [
      'a wrong measurement',
      { measurements: ['00'.repeat(32)] },
      /measurement .* is not one the policy accepts/,
    ],
    ['a wrong model digest', { models: [`sha256:${'00'.repeat(32)}`] }, /serves none of the accepted models/],
  ])('refuses %s before sending anything', async (_, over, message) => {
    let posted = 0;
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === 'POST') posted++;
      return fetch(input, init);
    }) as typeof fetch;
    const c = client(over, { transport: counting });
    await expect(c.fetch('https://tacit.local/v1/models')).rejects.toMatchObject({
      code: 'ERR_VERIFY',
      message: expect.stringMatching(message),
    });
    expect(posted).toBe(0);
  });

  it('refuses a key configuration the attested manifest does not cover', async () => {
    const stranger = (await generateOhttpKey({ keyId: gw.gateway.deps.ring.active()[0]!.stored.keyId }))
      .config;
    const c = client({}, { keys: encodeKeyConfigList([stranger]) });
    await expect(c.fetch('https://tacit.local/v1/models')).rejects.toMatchObject({
      code: 'ERR_VERIFY',
      message: expect.stringMatching(/not covered by the attested manifest/),
    });
  });

  describe('a gateway that misbehaves inside the encryption', () => {
    const issuer = () => gw.gateway.deps.trust!.trust.issuer;
    let original: ReceiptIssuer['issue'];
    beforeAll(() => {
      original = issuer().issue.bind(issuer());
    });
    afterAll(() => {
      issuer().issue = original;
    });

    it('a tampered receipt fails the request', async () => {
      issuer().issue = async (d, f) => {
        const [c, s, salt] = (await original(d, f)).split('.');
        const text = Buffer.from(c!, 'base64url')
          .toString()
          .replace(/"completion":\d+/, '"completion":0');
        return [Buffer.from(text).toString('base64url'), s, salt].join('.');
      };
      await expect(
        client().fetch('https://tacit.local/v1/chat/completions', chat(false)),
      ).rejects.toMatchObject({
        code: 'ERR_VERIFY',
        message: expect.stringMatching(/signature does not verify/),
      });
    });

    it('a receipt signed by another key fails the request', async () => {
      const other = await createTrust({
        dir: join(dir, 'other'),
        origin: 'other/receipts',
        attester,
        models: [model],
        keys: () => [],
      });
      issuer().issue = (d, f) => other.issuer.issue(d, f);
      try {
        await expect(
          client().fetch('https://tacit.local/v1/chat/completions', chat(false)),
        ).rejects.toMatchObject({
          code: 'ERR_VERIFY',
          message: expect.stringMatching(/signed by a key the gateway did not attest/),
        });
      } finally {
        await other.close();
      }
    });

    it('a stream cut before its trailer never verifies', async () => {
      issuer().issue = () => Promise.reject(new Error('log down'));
      const res = await client().fetch('https://tacit.local/v1/chat/completions', chat(true));
      // The gateway ends the stream without its final chunk; the socket closes under it.
      await expect(res.text()).rejects.toThrow();
      await expect(receiptOf(res)).rejects.toBeDefined();
    });
  });

  it('a stream whose last bytes the network drops never verifies', async () => {
    const cutting = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (init?.method !== 'POST') return res;
      const all = new Uint8Array(await res.arrayBuffer());
      return new Response(all.subarray(0, all.length - 30), { status: res.status, headers: res.headers });
    }) as typeof fetch;
    const res = await client({}, { transport: cutting }).fetch(
      'https://tacit.local/v1/chat/completions',
      chat(true),
    );
    await expect(res.text()).rejects.toMatchObject({ code: 'ERR_STREAM_TRUNCATED' });
    await expect(receiptOf(res)).rejects.toMatchObject({ code: 'ERR_STREAM_TRUNCATED' });
  });
});
