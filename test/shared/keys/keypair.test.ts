/** Key pair generation, the JSON key-store form (strict), and import checks, per KEM and backend. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, toBase64 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { ALL_KEMS, kemParams } from '../../../shared/hpke/index.ts';
import {
  DEFAULT_SUITES,
  decodeKeyConfig,
  generateOhttpKey,
  importServerKey,
  ohttpKeyFromJson,
  ohttpKeyToJson,
} from '../../../shared/keys/index.ts';
import { fcParams } from '../../support/seed.ts';
import { loadVector } from '../../support/vectors.ts';
import { BACKENDS } from '../ohttp/backends.ts';

const v = loadVector<{ rfc: Record<string, string> }>('ohttp-rfc9458.json');

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!isTacitError(e)) throw e;
    return e.code;
  }
}

describe.each(BACKENDS)('key pairs on $name', (p) => {
  it.each(ALL_KEMS)('KEM %i: generate, JSON round trip, import on both backends', async (kemId) => {
    const key = await generateOhttpKey({ keyId: 42, kemId }, p);
    const { Npk, Nsk } = kemParams(kemId);
    expect(key.config.publicKey.length).toBe(Npk);
    expect(key.privateKey.length).toBe(Nsk);
    expect(key.config.suites).toEqual(DEFAULT_SUITES);
    const json = ohttpKeyToJson(key);
    expect(json.keyId).toBe(42);
    expect(json.kem).toBe(kemId);
    const back = ohttpKeyFromJson(JSON.parse(JSON.stringify(json)));
    expect(back).toEqual(key);
    for (const q of BACKENDS) {
      const sk = await importServerKey(back, q);
      expect(bytesToHex(sk.keyPair.publicKey)).toBe(bytesToHex(key.config.publicKey));
    }
  });

  it('imports the RFC 9458 key and refuses mismatched halves', async () => {
    const config = decodeKeyConfig(hexToBytes(v.rfc.key_config));
    const good = { config, privateKey: hexToBytes(v.rfc.gateway_secret_key_skR) };
    expect((await importServerKey(good, p)).config.keyId).toBe(1);
    const other = await generateOhttpKey({ keyId: 1 }, p);
    expect(await codeOf(() => importServerKey({ config, privateKey: other.privateKey }, p))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});

describe('key JSON form', () => {
  const good = {
    keyId: 1,
    kem: 0x20,
    suites: [{ kdf: 1, aead: 1 }],
    privateKey: toBase64(new Uint8Array(32).fill(1)),
    publicKey: toBase64(new Uint8Array(32).fill(2)),
  };

  it('accepts the documented form', () => {
    expect(ohttpKeyFromJson(good).config.suites).toEqual([{ kdfId: 1, aeadId: 1 }]);
  });

  it.each([
    ['not an object', null, 'ERR_INVALID_ARGUMENT'],
    ['key id out of range', { ...good, keyId: 256 }, 'ERR_INVALID_ARGUMENT'],
    ['key id not an integer', { ...good, keyId: 1.5 }, 'ERR_INVALID_ARGUMENT'],
    ['unknown KEM', { ...good, kem: 0x21 }, 'ERR_UNSUPPORTED'],
    ['no suites', { ...good, suites: [] }, 'ERR_INVALID_ARGUMENT'],
    ['unknown AEAD', { ...good, suites: [{ kdf: 1, aead: 9 }] }, 'ERR_UNSUPPORTED'],
    ['suite not an object', { ...good, suites: [7] }, 'ERR_UNSUPPORTED'],
    ['short private key', { ...good, privateKey: toBase64(new Uint8Array(31)) }, 'ERR_INVALID_ARGUMENT'],
    ['bad base64', { ...good, publicKey: '!!!' }, 'ERR_INVALID_ARGUMENT'],
    ['missing public key', { ...good, publicKey: undefined }, 'ERR_INVALID_ARGUMENT'],
  ])('rejects %s', async (_name, json, code) => {
    expect(await codeOf(() => ohttpKeyFromJson(json))).toBe(code);
  });

  it('random JSON values throw only TacitError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (j) => {
        await codeOf(() => ohttpKeyFromJson(j));
        await codeOf(() => ohttpKeyFromJson({ ...good, ...(typeof j === 'object' && j !== null ? j : {}) }));
      }),
      fcParams(500),
    );
  });
});
