/**
 * Attestation providers. The dev provider's evidence verifies only under its platform key and changes
 * its measurement with the code; the Nitro provider's NSM framing is exercised through a fake
 * transport that answers with AWS's published sample document (no machine here has /dev/nsm).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from 'cborg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDevAttester,
  createNitroAttester,
  decodeAttestationResponse,
  devMeasurement,
  encodeAttestationRequest,
  helperTransport,
  NSM_DEVICE,
} from '../../enclave/attestation/index.ts';
import { verifyAttestation } from '../../shared/attestation/verify.ts';
import { bytesToHex, fromBase64 } from '../../shared/bytes.ts';
import { loadVector, loadVectorText } from '../support/vectors.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('dev provider', () => {
  it('signs evidence for the nonce and manifest hash that only its platform key verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tacit-dev-'));
    dirs.push(dir);
    const a = await createDevAttester({
      measurement: 'aa'.repeat(32),
      platformKey: join(dir, 'platform.key'),
    });
    expect(a.warning).toMatch(/not a real enclave/);
    const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const userData = new Uint8Array(32).fill(3);
    const document = await a.attest({ nonce, userData });
    const ok = await verifyAttestation(
      { provider: 'dev', document },
      { dev: { platformPublicKey: a.platformPublicKey }, nonce, userData },
      new Date(),
    );
    expect(ok.measurement).toBe('aa'.repeat(32));
    await expect(
      verifyAttestation(
        { provider: 'dev', document },
        { dev: { platformPublicKey: new Uint8Array(32) }, nonce },
        new Date(),
      ),
    ).rejects.toMatchObject({ reason: 'signature' });
    // The same platform key file gives the same key on the next start.
    const again = await createDevAttester({
      measurement: 'aa'.repeat(32),
      platformKey: join(dir, 'platform.key'),
    });
    expect(bytesToHex(again.platformPublicKey)).toBe(bytesToHex(a.platformPublicKey));
  });

  it('measures code and models: any change to a file, a path or a model digest changes it', () => {
    const base = mkdtempSync(join(tmpdir(), 'tacit-measure-'));
    dirs.push(base);
    mkdirSync(join(base, 'gateway'));
    writeFileSync(join(base, 'gateway', 'a.ts'), 'one');
    writeFileSync(join(base, 'gateway', 'notes.txt'), 'ignored');
    const m = (models = ['sha256:1']) => devMeasurement({ base, dirs: ['gateway'], modelDigests: models });
    const first = m();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(base, 'gateway', 'notes.txt'), 'still ignored');
    expect(m()).toBe(first);
    expect(m(['sha256:2'])).not.toBe(first);
    writeFileSync(join(base, 'gateway', 'a.ts'), 'two');
    expect(m()).not.toBe(first);
  });
});

describe('nitro provider (NSM framing, fake transport)', () => {
  const sample = fromBase64(loadVectorText('nitro-attestation-sample.cbor.b64').trim());
  const expected = loadVector<{ document: { pcrs_nonzero_hex: Record<string, string> } }>(
    'nitro-attestation-sample.expected.json',
  );

  it('asks the NSM with user_data and nonce, and reads PCR0 as the measurement', async () => {
    const asked: unknown[] = [];
    const a = await createNitroAttester(async (req) => {
      asked.push(decode(req, { useMaps: false }));
      return encode({ Attestation: { document: sample } });
    });
    expect(a.provider).toBe('aws-nitro');
    expect(a.measurement).toBe(expected.document.pcrs_nonzero_hex['0']);
    const doc = await a.attest({ nonce: Uint8Array.of(9), userData: Uint8Array.of(8) });
    expect(bytesToHex(doc)).toBe(bytesToHex(sample));
    expect(asked[1]).toEqual({
      Attestation: { user_data: Uint8Array.of(8), nonce: Uint8Array.of(9), public_key: null },
    });
  });

  it('accepts a document sent as an integer array (serde Vec<u8>) and reports NSM errors', () => {
    const bytes = Uint8Array.of(1, 2, 3);
    expect(decodeAttestationResponse(encode({ Attestation: { document: [1, 2, 3] } }))).toEqual(bytes);
    expect(() => decodeAttestationResponse(encode({ Error: 'InvalidArgument' }))).toThrow(
      /NSM refused: InvalidArgument/,
    );
    expect(() => decodeAttestationResponse(Uint8Array.of(0xff))).toThrow(
      expect.objectContaining({ code: 'ERR_MALFORMED' }),
    );
    expect(() => encodeAttestationRequest({ nonce: new Uint8Array(513) })).toThrow(/512 bytes/);
  });

  it.skipIf(existsSync(NSM_DEVICE))('says plainly that there is no NSM outside an enclave', async () => {
    await expect(helperTransport('/bin/cat')(new Uint8Array(1))).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED',
      message: expect.stringMatching(/not inside an AWS Nitro Enclave/),
    });
  });
});
