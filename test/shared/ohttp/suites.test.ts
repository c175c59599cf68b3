/**
 * OHTTP and chunked OHTTP for every KEM x AEAD, client on one backend and gateway on the other, both
 * ways; key pairs go through the JSON key-store form on the way.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concat, utf8 } from '../../../shared/bytes.ts';
import { ALL_AEADS, ALL_KEMS, KDF, kemParams } from '../../../shared/hpke/index.ts';
import {
  generateOhttpKey,
  importServerKey,
  ohttpKeyFromJson,
  ohttpKeyToJson,
} from '../../../shared/keys/index.ts';
import {
  decapsulateChunkedRequest,
  decapsulateRequest,
  encapsulateChunkedRequest,
  encapsulateRequest,
} from '../../../shared/ohttp/index.ts';
import { BACKENDS } from './backends.ts';
import { collect } from './streams.ts';

const CASES = ALL_KEMS.flatMap((kemId) =>
  ALL_AEADS.flatMap((aeadId) =>
    [
      [0, 1],
      [1, 0],
    ].map(([c, g]) => ({ kemId, aeadId, client: BACKENDS[c]!, gateway: BACKENDS[g]! })),
  ),
);

describe.each(CASES)('KEM $kemId AEAD $aeadId', ({ kemId, aeadId, client, gateway }) => {
  const kdfId = kemParams(kemId).hash === 'SHA-384' ? KDF.HKDF_SHA384 : KDF.HKDF_SHA256;
  const suite = { kdfId, aeadId };
  const setup = async () => {
    const key = await generateOhttpKey({ keyId: 7, kemId, suites: [suite] }, gateway);
    const stored = ohttpKeyFromJson(JSON.parse(JSON.stringify(ohttpKeyToJson(key))));
    return { config: stored.config, keys: [await importServerKey(stored, gateway)] };
  };

  it(`request and response, client ${client.name} -> gateway ${gateway.name}`, async () => {
    const { config, keys } = await setup();
    const req = await encapsulateRequest(config, utf8.encode('request'), { primitives: client });
    const d = await decapsulateRequest(keys, req.encapsulatedRequest);
    expect(utf8.decode(d.request)).toBe('request');
    expect([d.keyId, d.kemId, d.kdfId, d.aeadId]).toEqual([7, kemId, kdfId, aeadId]);
    expect(bytesToHex(d.enc)).toBe(bytesToHex(req.enc));
    const res = await d.sealResponse(utf8.encode('response'));
    expect(utf8.decode(await req.openResponse(res))).toBe('response');
  });

  it(`chunked both ways, client ${client.name} -> gateway ${gateway.name}`, async () => {
    const { config, keys } = await setup();
    const parts = ['alpha', '', 'beta', 'gamma'].map(utf8.encode);
    const c = await encapsulateChunkedRequest(config, parts, { primitives: client, maxChunkSize: 3 });
    const g = await decapsulateChunkedRequest(keys, c.body);
    expect(utf8.decode(concat(...(await collect(g.request))))).toBe('alphabetagamma');
    const out = g.encapsulateResponse(['one', 'two'].map(utf8.encode));
    expect(utf8.decode(concat(...(await collect(c.openResponse(out)))))).toBe('onetwo');
  });
});
