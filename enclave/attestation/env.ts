/**
 * Choosing the attestation provider for `tacit gateway` from its environment:
 *
 *   TACIT_ATTESTATION=dev|nitro      turns on attestation, receipts and the transparency log
 *   TACIT_TRUST_DIR=DIR              the trust state (keys, log); required with TACIT_ATTESTATION
 *   TACIT_DEV_PLATFORM_KEY=FILE      dev only: the platform key (default DIR/dev-platform.key)
 *   TACIT_NSM_HELPER=PROGRAM         nitro only: the NSM ioctl helper (nitro.ts)
 *
 * The dev measurement covers the code the gateway runs (gateway/, enclave/, shared/); the built-in
 * models are a deterministic function of that code (enclave/model pins their digests), so it covers
 * them too.
 */
import { join } from 'node:path';
import { createDevAttester } from './dev.ts';
import { devMeasurement } from './measure.ts';
import { createNitroAttester } from './nitro.ts';
import type { Attester } from './types.ts';

export interface TrustSetup {
  dir: string;
  attester: Attester;
}

export async function trustFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  base: string,
): Promise<TrustSetup | undefined> {
  const kind = env.TACIT_ATTESTATION;
  if (kind === undefined || kind === '' || kind === 'none') return undefined;
  const dir = env.TACIT_TRUST_DIR;
  if (dir === undefined || dir === '') throw new Error('TACIT_ATTESTATION needs TACIT_TRUST_DIR');
  if (kind === 'nitro') return { dir, attester: await createNitroAttester() };
  if (kind !== 'dev') throw new Error('TACIT_ATTESTATION must be dev, nitro or none');
  const measurement = devMeasurement({ base, dirs: ['gateway', 'enclave', 'shared'], modelDigests: [] });
  const platformKey = env.TACIT_DEV_PLATFORM_KEY || join(dir, 'dev-platform.key');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { dir, attester: await createDevAttester({ measurement, platformKey }) };
}
