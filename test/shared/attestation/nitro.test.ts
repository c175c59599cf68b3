/**
 * AWS Nitro attestation: one real document (test/vectors/SOURCES.md). It verifies at the time its
 * source repository tested it, and fails for expiry, a flipped payload or certificate byte, a wrong
 * pinned root; the PCR policy is tested on the decoded document.
 */
import { decode, encode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCoseSign1 } from '../../../shared/attestation/cose.ts';
import { AWS_NITRO_ROOT_SHA256, verifyNitroAttestation } from '../../../shared/attestation/nitro.ts';
import {
  checkNitroPolicy,
  decodeNitroDocument,
  type NitroDocument,
} from '../../../shared/attestation/nitro-document.ts';
import { bytesToHex, fromBase64 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { sha256 } from '../../../shared/merkle/hash.ts';
import { fcParams } from '../../support/seed.ts';
import { loadVector, loadVectorText } from '../../support/vectors.ts';

interface Expected {
  sha256_of_cbor: string;
  document: {
    module_id: string;
    timestamp_ms: number;
    pcrs_nonzero_hex: Record<string, string>;
    public_key_hex: string;
  };
  chain_root_to_leaf: { sha256_der: string; not_after: string }[];
}
const expected = loadVector<Expected>('nitro-attestation-sample.expected.json');
const sample = fromBase64(loadVectorText('nitro-attestation-sample.cbor.b64').trim());
const VALID_AT = new Date(1732990000 * 1000);
const LEAF_EXPIRY = new Date('2024-11-30T19:22:48Z');

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isTacitError(e, 'ERR_VERIFY')).toBe(true);
    return (e as { reason: string }).reason;
  }
  throw new Error('expected a rejection');
}

/** Re-encodes the COSE array with one payload field replaced (the signature no longer covers it). */
function withPayload(mutate: (m: Map<string, unknown>) => void): Uint8Array {
  const cose = decode(sample, { useMaps: true }) as unknown[];
  const payload = decode(cose[2] as Uint8Array, { useMaps: true }) as Map<string, unknown>;
  mutate(payload);
  return encode([cose[0], cose[1], encode(payload), cose[3]]);
}

describe('AWS Nitro attestation sample', () => {
  it('is the documented sample and its root is the AWS Nitro root', async () => {
    expect(bytesToHex(await sha256(sample))).toBe(expected.sha256_of_cbor);
    expect(expected.chain_root_to_leaf[0]!.sha256_der).toBe(AWS_NITRO_ROOT_SHA256);
  });

  it('verifies at its valid time and reports its fields', async () => {
    const doc = await verifyNitroAttestation(sample, {}, VALID_AT);
    expect(doc.moduleId).toBe(expected.document.module_id);
    expect(doc.timestamp).toBe(expected.document.timestamp_ms);
    expect(doc.pcrs.size).toBe(16);
    for (const [i, hex] of Object.entries(expected.document.pcrs_nonzero_hex))
      expect(bytesToHex(doc.pcrs.get(Number(i))!)).toBe(hex);
    expect(bytesToHex(doc.publicKey!)).toBe(expected.document.public_key_hex);
    expect(doc.userData).toBeUndefined();
    expect(doc.nonce).toBeUndefined();
    expect(doc.leafSha256).toBe(expected.chain_root_to_leaf[4]!.sha256_der);
  });

  it('verifies at the last second of the leaf validity and fails for expiry one second later', async () => {
    await verifyNitroAttestation(sample, {}, LEAF_EXPIRY);
    expect(await reason(verifyNitroAttestation(sample, {}, new Date(LEAF_EXPIRY.getTime() + 1000)))).toBe(
      'expired',
    );
    expect(await reason(verifyNitroAttestation(sample, {}, new Date()))).toBe('expired');
    expect(await reason(verifyNitroAttestation(sample, {}, new Date('2024-11-30T16:00:00Z')))).toBe(
      'expired',
    );
  });

  it('matches expected PCRs and rejects a wrong one', async () => {
    const pcrs = expected.document.pcrs_nonzero_hex;
    await verifyNitroAttestation(sample, { pcrs: { 0: pcrs['0']!, 1: pcrs['1']!, 2: pcrs['2']! } }, VALID_AT);
    const wrong = `${pcrs['0']!.slice(0, -2)}00`;
    expect(await reason(verifyNitroAttestation(sample, { pcrs: { 0: wrong } }, VALID_AT))).toBe(
      'measurement',
    );
    expect(await reason(verifyNitroAttestation(sample, { pcrs: { 20: pcrs['0']! } }, VALID_AT))).toBe(
      'measurement',
    );
  });

  it('binds the nonce, user data and public key the caller expects', async () => {
    expect(await reason(verifyNitroAttestation(sample, { nonce: new Uint8Array(16) }, VALID_AT))).toBe(
      'nonce',
    );
    expect(await reason(verifyNitroAttestation(sample, { userData: new Uint8Array(32) }, VALID_AT))).toBe(
      'user-data',
    );
    expect(await reason(verifyNitroAttestation(sample, { publicKey: new Uint8Array(65) }, VALID_AT))).toBe(
      'public-key',
    );
    const publicKey = Uint8Array.from(Buffer.from(expected.document.public_key_hex, 'hex'));
    await verifyNitroAttestation(sample, { publicKey }, VALID_AT);
    expect(await reason(verifyNitroAttestation(sample, { maxAgeMs: 60_000 }, VALID_AT))).toBe('stale');
  });

  it('fails a wrong pinned root', async () => {
    expect(await reason(verifyNitroAttestation(sample, { rootSha256: 'ab'.repeat(32) }, VALID_AT))).toBe(
      'root',
    );
  });

  it('fails a flipped payload byte on the signature', async () => {
    const doc = decodeNitroDocument(decodeCoseSign1(sample).payload);
    const id = new TextEncoder().encode(doc.moduleId);
    const at = sample.findIndex((_, i) => id.every((b, j) => sample[i + j] === b));
    const t = sample.slice();
    t[at + 5]! ^= 0x01; // a character of module_id: still well-formed, no longer signed
    expect(await reason(verifyNitroAttestation(t, {}, VALID_AT))).toBe('signature');
  });

  it('fails a flipped byte of an intermediate certificate on the chain', async () => {
    const bad = withPayload((m) => {
      const bundle = (m.get('cabundle') as Uint8Array[]).map((c) => c.slice());
      const c = bundle[1]!;
      c[c.length - 10]! ^= 0x01; // inside the issuer's signature over cabundle[1]
      m.set('cabundle', bundle);
    });
    expect(await reason(verifyNitroAttestation(bad, {}, VALID_AT))).toBe('chain');
  });

  it('fails a debug-mode PCR set (on the signature first; by policy on the decoded document)', async () => {
    const zero = new Uint8Array(48);
    const debug = withPayload((m) => {
      const pcrs = m.get('pcrs') as Map<number, Uint8Array>;
      for (const i of [0, 1, 2]) pcrs.set(i, zero);
    });
    expect(await reason(verifyNitroAttestation(debug, {}, VALID_AT))).toBe('signature');
    const doc = decodeNitroDocument(decodeCoseSign1(debug).payload);
    expect(() => checkNitroPolicy(doc, {}, VALID_AT)).toThrow(expect.objectContaining({ reason: 'debug' }));
    const real: NitroDocument = decodeNitroDocument(decodeCoseSign1(sample).payload);
    expect(() => checkNitroPolicy(real, {}, VALID_AT)).not.toThrow();
    const noPcr0 = { ...real, pcrs: new Map([...real.pcrs].filter(([i]) => i > 2)) };
    expect(() => checkNitroPolicy(noPcr0, {}, VALID_AT)).toThrow(
      expect.objectContaining({ reason: 'debug' }),
    );
  });

  it('rejects tagged, trailing-byte and non-ES384 documents as malformed', async () => {
    const tagged = Uint8Array.of(0xd2, ...sample); // tag 18, COSE_Sign1
    expect(await reason(verifyNitroAttestation(tagged, {}, VALID_AT))).toBe('malformed');
    expect(await reason(verifyNitroAttestation(Uint8Array.of(...sample, 0), {}, VALID_AT))).toBe('malformed');
    const cose = decode(sample, { useMaps: true }) as unknown[];
    const es256 = encode([encode(new Map([[1, -7]])), cose[1], cose[2], cose[3]]);
    expect(await reason(verifyNitroAttestation(es256, {}, VALID_AT))).toBe('algorithm');
  });

  it('rejects any flipped byte with ERR_VERIFY only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(sample.length - 1), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const t = sample.slice();
        t[i]! ^= x;
        await reason(verifyNitroAttestation(t, {}, VALID_AT));
      }),
      fcParams(100),
    );
  });
});
