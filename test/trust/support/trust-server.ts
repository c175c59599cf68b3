/**
 * A process that serves the trust layer alone, for the crash test: the trust routes, plus
 * `POST /answer` (body: the request and response bytes, joined by a NUL), which issues a receipt the
 * way the gateway does for a whole answer and returns it only once its log entry is durable.
 *   node --import tsx test/trust/support/trust-server.ts <state dir>
 * Prints `{"msg":"listening","port":N}` when ready.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createDevAttester } from '../../../enclave/attestation/index.ts';
import { wholeAnswerReceipt } from '../../../gateway/trust/answer.ts';
import { mountTrustRoutes } from '../../../gateway/trust/routes.ts';
import { createTrust } from '../../../gateway/trust/trust.ts';
import { generateOhttpKey } from '../../../shared/keys/index.ts';
import { MEASUREMENT, MODEL, ORIGIN, PLATFORM_SEED } from './harness.ts';

const dir = process.argv[2]!;
const attester = await createDevAttester({ measurement: MEASUREMENT, platformKey: PLATFORM_SEED });
const keys = [(await generateOhttpKey({ keyId: 1 })).config];
const trust = await createTrust({ dir, origin: ORIGIN, attester, models: [MODEL], keys: () => keys });
const app = new Hono();
mountTrustRoutes(app, trust);
app.post('/answer', async (c) => {
  const body = new Uint8Array(await c.req.arrayBuffer());
  const nul = body.indexOf(0);
  const draft = trust.issuer.draft();
  draft.request.update(body.subarray(0, nul));
  const facts = { body: null, sampling: {}, seed: null };
  const [, field] = await wholeAnswerReceipt(
    { trust, draft, model: MODEL, facts },
    null,
    body.subarray(nul + 1),
  );
  return c.text(field);
});
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: info.port, size: trust.log.size })}\n`);
});
