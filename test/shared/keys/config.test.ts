/**
 * Key configurations (RFC 9458 3.1) and `application/ohttp-keys` (3.2): strict decoders, exact
 * round trips, unknown KEMs skipped in lists, random bytes only ever a TacitError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concat, hexToBytes } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { ALL_KEMS, kemParams } from '../../../shared/hpke/index.ts';
import {
  chooseSuite,
  decodeKeyConfig,
  decodeKeyConfigList,
  encodeKeyConfig,
  encodeKeyConfigList,
  type KeyConfig,
} from '../../../shared/keys/index.ts';
import { fcParams } from '../../support/seed.ts';
import { loadVector } from '../../support/vectors.ts';

const v = loadVector<{ rfc: { key_config: string } }>('ohttp-rfc9458.json');
const rfcConfig = hexToBytes(v.rfc.key_config);

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!isTacitError(e)) throw e;
    return e.code;
  }
}

const configArb: fc.Arbitrary<KeyConfig> = fc.constantFrom(...ALL_KEMS).chain((kemId) =>
  fc.record({
    keyId: fc.integer({ min: 0, max: 255 }),
    kemId: fc.constant(kemId),
    publicKey: fc.uint8Array({ minLength: kemParams(kemId).Npk, maxLength: kemParams(kemId).Npk }),
    suites: fc.array(
      fc.record({ kdfId: fc.integer({ min: 0, max: 0xffff }), aeadId: fc.integer({ min: 0, max: 0xffff }) }),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
  }),
);

describe('key config', () => {
  it('round-trips random configs, alone and in lists', () => {
    fc.assert(
      fc.property(fc.array(configArb, { minLength: 1, maxLength: 4 }), (configs) => {
        for (const c of configs) expect(decodeKeyConfig(encodeKeyConfig(c))).toEqual(c);
        expect(decodeKeyConfigList(encodeKeyConfigList(configs))).toEqual(configs);
      }),
      fcParams(200),
    );
  });

  it('rejects every truncation and any trailing byte', () => {
    for (let n = 0; n < rfcConfig.length; n++) {
      expect(['ERR_TRUNCATED', 'ERR_MALFORMED']).toContain(
        codeOf(() => decodeKeyConfig(rfcConfig.subarray(0, n))),
      );
    }
    expect(codeOf(() => decodeKeyConfig(concat(rfcConfig, new Uint8Array([0]))))).toBe('ERR_MALFORMED');
  });

  it('rejects a symmetric algorithms length that is 0 or not a multiple of 4', () => {
    const bad = rfcConfig.slice();
    bad[35] = 0;
    bad[36] = 0;
    expect(codeOf(() => decodeKeyConfig(bad.subarray(0, 37)))).toBe('ERR_MALFORMED');
    bad[36] = 6;
    expect(codeOf(() => decodeKeyConfig(bad))).toBe('ERR_MALFORMED');
  });

  it('an unknown KEM is ERR_UNSUPPORTED alone and skipped in a list', () => {
    const unknown = rfcConfig.slice();
    unknown[2] = 0x21; // X448, not implemented here
    expect(codeOf(() => decodeKeyConfig(unknown))).toBe('ERR_UNSUPPORTED');
    const list = concat(
      new Uint8Array([0, unknown.length]),
      unknown,
      new Uint8Array([0, rfcConfig.length]),
      rfcConfig,
    );
    expect(decodeKeyConfigList(list).map((c) => bytesToHex(encodeKeyConfig(c)))).toEqual([v.rfc.key_config]);
  });

  it('rejects list framing errors', () => {
    expect(codeOf(() => decodeKeyConfigList(new Uint8Array()))).toBe('ERR_TRUNCATED');
    expect(codeOf(() => decodeKeyConfigList(new Uint8Array([0])))).toBe('ERR_TRUNCATED');
    expect(codeOf(() => decodeKeyConfigList(concat(new Uint8Array([0, 99]), rfcConfig)))).toBe(
      'ERR_TRUNCATED',
    );
    expect(
      codeOf(() => decodeKeyConfigList(concat(new Uint8Array([0, 40]), rfcConfig.subarray(0, 40)))),
    ).toBe('ERR_MALFORMED');
  });

  it('refuses to encode invalid configs', () => {
    const c = decodeKeyConfig(rfcConfig);
    expect(codeOf(() => encodeKeyConfig({ ...c, keyId: 256 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => encodeKeyConfig({ ...c, publicKey: new Uint8Array(31) }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => encodeKeyConfig({ ...c, suites: [] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => encodeKeyConfigList([]))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('chooses the first supported suite in the gateway order', () => {
    const c = decodeKeyConfig(rfcConfig);
    expect(chooseSuite(c)).toEqual({ kdfId: 1, aeadId: 1 });
    expect(
      chooseSuite({
        ...c,
        suites: [
          { kdfId: 9, aeadId: 1 },
          { kdfId: 1, aeadId: 3 },
        ],
      }),
    ).toEqual({ kdfId: 1, aeadId: 3 });
    expect(chooseSuite({ ...c, suites: [{ kdfId: 1, aeadId: 0xffff }] })).toBeUndefined();
  });

  it('random bytes throw only TacitError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        codeOf(() => decodeKeyConfig(b));
        codeOf(() => decodeKeyConfigList(b));
        codeOf(() => decodeKeyConfig(concat(new Uint8Array([1, 0, 0x20]), b)));
      }),
      fcParams(1000),
    );
  });
});
