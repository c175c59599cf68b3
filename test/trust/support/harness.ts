/** Shared setup for the trust tests: a trust layer with a dev attester over hono routes, no sockets. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createDevAttester } from '../../../enclave/attestation/index.ts';
import { mountTrustRoutes } from '../../../gateway/trust/routes.ts';
import { createTrust, type Trust } from '../../../gateway/trust/trust.ts';
import type { KeyConfig } from '../../../shared/keys/index.ts';
import { generateOhttpKey } from '../../../shared/keys/index.ts';

export const MODEL = `sha256:${'ab'.repeat(32)}`;
export const MEASUREMENT = 'cd'.repeat(32);
export const PLATFORM_SEED = new Uint8Array(32).fill(0x51);
export const ORIGIN = 'tacit.test/receipts';

export interface TrustHarness {
  dir: string;
  trust: Trust;
  app: Hono;
  platformPublicKey: Uint8Array;
  keys: KeyConfig[];
  /** A fetch that routes to the app (the client's transport in these tests). */
  fetch: typeof fetch;
  close(): Promise<void>;
}

export async function trustHarness(
  opts: { dir?: string; keys?: KeyConfig[]; models?: string[] } = {},
): Promise<TrustHarness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tacit-trust-'));
  const attester = await createDevAttester({ measurement: MEASUREMENT, platformKey: PLATFORM_SEED });
  const keys = opts.keys ?? [(await generateOhttpKey({ keyId: 1 })).config];
  const trust = await createTrust({
    dir,
    origin: ORIGIN,
    attester,
    models: opts.models ?? [MODEL],
    keys: () => keys,
  });
  const app = new Hono();
  mountTrustRoutes(app, trust);
  const f = ((input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(app.request(input instanceof Request ? input : String(input), init))) as typeof fetch;
  return {
    dir,
    trust,
    app,
    platformPublicKey: attester.platformPublicKey,
    keys,
    fetch: f,
    async close() {
      await trust.close();
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
