/** The development attestation format and the provider-neutral verifyAttestation. */
import { encode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCoseSign1, encodeCoseSign1 } from '../../../shared/attestation/cose.ts';
import {
  createDevEvidence,
  DEV_WARNING,
  type DevClaims,
  verifyDevAttestation,
} from '../../../shared/attestation/dev.ts';
import { verifyAttestation } from '../../../shared/attestation/verify.ts';
import { bytesToHex, fromBase64, hexToBytes } from '../../../shared/bytes.ts';
import { ed25519PublicKeyOfSeed, importEd25519Seed } from '../../../shared/note/keys.ts';
import { tacitRejection } from '../../support/errors.ts';
import { fcParams } from '../../support/seed.ts';
import { loadVectorText } from '../../support/vectors.ts';

const seed = new Uint8Array(32).fill(0x42);
const NOW = new Date('2025-06-01T12:00:00Z');
const claims: DevClaims = {
  measurement: 'aa'.repeat(32),
  manifestHash: 'bb'.repeat(32),
  nonce: Uint8Array.of(1, 2, 3, 4),
  timestamp: NOW.getTime() - 1000,
  publicKey: new Uint8Array(32).fill(7),
};

async function setup() {
  const key = await importEd25519Seed(seed);
  const platformPublicKey = await ed25519PublicKeyOfSeed(seed);
  return { evidence: await createDevEvidence(claims, key), platformPublicKey };
}

async function reason(p: Promise<unknown>): Promise<string> {
  const e = await tacitRejection(p);
  return (e as { reason?: string }).reason ?? e.code;
}

describe('dev attestation', () => {
  it('verifies with the trusted platform key and always says it is not an enclave', async () => {
    const { evidence, platformPublicKey } = await setup();
    const r = await verifyDevAttestation(
      evidence,
      { platformPublicKey, measurement: claims.measurement },
      NOW,
    );
    expect(r.dev).toBe(true);
    expect(r.warnings).toEqual([DEV_WARNING]);
    expect(r.measurement).toBe(claims.measurement);
    expect(r.nonce).toEqual(claims.nonce);
    expect(decodeCoseSign1(evidence).alg).toBe(-8);
  });

  it('requires the platform key explicitly and rejects another key', async () => {
    const { evidence } = await setup();
    expect(await reason(verifyDevAttestation(evidence, {} as never, NOW))).toBe('ERR_INVALID_ARGUMENT');
    const other = await ed25519PublicKeyOfSeed(new Uint8Array(32).fill(1));
    expect(await reason(verifyDevAttestation(evidence, { platformPublicKey: other }, NOW))).toBe('signature');
  });

  it('checks measurement, manifest hash, nonce, public key and age', async () => {
    const { evidence, platformPublicKey } = await setup();
    const p = { platformPublicKey };
    expect(await reason(verifyDevAttestation(evidence, { ...p, measurement: 'cc'.repeat(32) }, NOW))).toBe(
      'measurement',
    );
    expect(await reason(verifyDevAttestation(evidence, { ...p, manifestHash: 'cc'.repeat(32) }, NOW))).toBe(
      'user-data',
    );
    expect(await reason(verifyDevAttestation(evidence, { ...p, nonce: Uint8Array.of(1, 2, 3) }, NOW))).toBe(
      'nonce',
    );
    expect(await reason(verifyDevAttestation(evidence, { ...p, publicKey: new Uint8Array(32) }, NOW))).toBe(
      'public-key',
    );
    expect(await reason(verifyDevAttestation(evidence, { ...p, maxAgeMs: 500 }, NOW))).toBe('stale');
    expect(await reason(verifyDevAttestation(evidence, p, new Date(claims.timestamp - 3_600_000)))).toBe(
      'stale',
    );
  });

  it('rejects a document re-signed as ES384 or with fields the signer did not sign', async () => {
    const { evidence, platformPublicKey } = await setup();
    const cose = decodeCoseSign1(evidence);
    const swapped = encodeCoseSign1(encode(new Map([[1, -35]])), cose.payload, cose.signature);
    expect(await reason(verifyDevAttestation(swapped, { platformPublicKey }, NOW))).toBe('algorithm');
  });

  it('rejects any flipped byte, only with TacitError', async () => {
    const { evidence, platformPublicKey } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.nat(evidence.length - 1), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const t = evidence.slice();
        t[i]! ^= x;
        await reason(verifyDevAttestation(t, { platformPublicKey }, NOW));
      }),
      fcParams(200),
    );
  });
});

describe('verifyAttestation', () => {
  it('maps dev evidence to the common result, manifest hash as user data', async () => {
    const { evidence, platformPublicKey } = await setup();
    const r = await verifyAttestation(
      { provider: 'dev', document: evidence },
      { dev: { platformPublicKey }, nonce: claims.nonce, userData: hexToBytes(claims.manifestHash) },
      NOW,
    );
    expect(r).toMatchObject({
      provider: 'dev',
      dev: true,
      measurement: claims.measurement,
      warnings: [DEV_WARNING],
    });
    expect(bytesToHex(r.userData!)).toBe(claims.manifestHash);
    expect(r.publicKey).toEqual(claims.publicKey);
  });

  it('maps Nitro evidence to the common result, PCR0 as the measurement', async () => {
    const document = fromBase64(loadVectorText('nitro-attestation-sample.cbor.b64').trim());
    const r = await verifyAttestation(
      { provider: 'aws-nitro', document },
      { nitro: {} },
      new Date(1732990000_000),
    );
    expect(r.provider).toBe('aws-nitro');
    expect(r.dev).toBe(false);
    expect(r.measurement).toBe(r.pcrs![0]);
    expect(r.measurement.startsWith('ec74bfbe')).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('refuses a provider the policy does not accept', async () => {
    const { evidence, platformPublicKey } = await setup();
    expect(await reason(verifyAttestation({ provider: 'dev', document: evidence }, { nitro: {} }, NOW))).toBe(
      'provider',
    );
    expect(
      await reason(
        verifyAttestation({ provider: 'aws-nitro', document: evidence }, { dev: { platformPublicKey } }, NOW),
      ),
    ).toBe('provider');
    // Dev evidence presented as Nitro fails on its algorithm, never passes.
    expect(
      await reason(verifyAttestation({ provider: 'aws-nitro', document: evidence }, { nitro: {} }, NOW)),
    ).toBe('algorithm');
  });
});
