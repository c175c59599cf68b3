/**
 * RFC 9458 Appendix A, byte for byte, on both backends: the key config, the HPKE intermediates, the
 * encapsulated request (pinned skE), its decapsulation with skR, the encapsulated response (pinned
 * response nonce), and opening it.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { DhKem, getSuite } from '../../../shared/hpke/index.ts';
import { hpkeSuiteId, LABEL, LabeledKdf } from '../../../shared/hpke/labeled.ts';
import {
  decodeKeyConfig,
  decodeKeyConfigList,
  encodeKeyConfig,
  encodeKeyConfigList,
  importServerKey,
} from '../../../shared/keys/index.ts';
import { decapsulateRequest, encapsulateRequest, MEDIA_TYPES } from '../../../shared/ohttp/index.ts';
import { deriveResponseKey } from '../../../shared/ohttp/response-key.ts';
import { loadVector } from '../../support/vectors.ts';
import { BACKENDS } from './backends.ts';

interface V {
  rfc: Record<string, string>;
  derived: Record<string, string> & {
    key_config_parsed: { key_id: number; symmetric_algorithms: number[][] };
  };
  constants: { media_types: Record<string, string> };
}
const v = loadVector<V>('ohttp-rfc9458.json');
const h = hexToBytes;

describe('RFC 9458 Appendix A key configuration', () => {
  it('decodes the printed config and re-encodes it exactly', () => {
    const c = decodeKeyConfig(h(v.rfc.key_config));
    expect(c.keyId).toBe(v.derived.key_config_parsed.key_id);
    expect(c.kemId).toBe(0x20);
    expect(bytesToHex(c.publicKey)).toBe(v.derived.gateway_public_key_pkR);
    expect(c.suites.map((s) => [s.kdfId, s.aeadId])).toEqual(
      v.derived.key_config_parsed.symmetric_algorithms,
    );
    expect(bytesToHex(encodeKeyConfig(c))).toBe(v.rfc.key_config);
  });

  it('builds the application/ohttp-keys body', () => {
    const c = decodeKeyConfig(h(v.rfc.key_config));
    expect(bytesToHex(encodeKeyConfigList([c]))).toBe(v.derived.application_ohttp_keys_body_one_config);
    expect(decodeKeyConfigList(h(v.derived.application_ohttp_keys_body_one_config))).toEqual([c]);
  });

  it('uses the RFC media types', () => {
    expect(MEDIA_TYPES.keys).toBe(v.constants.media_types.keys);
    expect(MEDIA_TYPES.request).toBe(v.constants.media_types.request);
    expect(MEDIA_TYPES.response).toBe(v.constants.media_types.response);
  });
});

describe.each(BACKENDS)('RFC 9458 Appendix A on $name', (p) => {
  const config = decodeKeyConfig(h(v.rfc.key_config));
  const serverKey = () => importServerKey({ config, privateKey: h(v.rfc.gateway_secret_key_skR) }, p);

  it('derives the HPKE intermediates (shared secret, key, base nonce, exporter secret)', async () => {
    const kem = new DhKem(p, 0x20);
    const { sharedSecret, enc } = await kem.encap(config.publicKey, h(v.rfc.ephemeral_secret_key_skE));
    expect(bytesToHex(enc)).toBe(v.rfc.ephemeral_public_key_pkE_enc);
    expect(bytesToHex(sharedSecret)).toBe(v.derived.hpke_shared_secret);
    // RFC 9180 5.1 by hand on the labeled KDF, to pin each intermediate separately.
    const kdf = new LabeledKdf(p, 'SHA-256', hpkeSuiteId(0x20, 1, 1));
    const empty = new Uint8Array();
    const ksc = new Uint8Array([
      0,
      ...(await kdf.extract(empty, LABEL.psk_id_hash, empty)),
      ...(await kdf.extract(empty, LABEL.info_hash, h(v.rfc.hpke_info))),
    ]);
    const secret = await kdf.extract(sharedSecret, LABEL.secret, empty);
    expect(bytesToHex(await kdf.expand(secret, LABEL.key, ksc, 16))).toBe(v.derived.hpke_key);
    expect(bytesToHex(await kdf.expand(secret, LABEL.base_nonce, ksc, 12))).toBe(v.derived.hpke_base_nonce);
    expect(bytesToHex(await kdf.expand(secret, LABEL.exp, ksc, 32))).toBe(v.derived.hpke_exporter_secret);
  });

  it('encapsulates the request with the pinned ephemeral key', async () => {
    const req = await encapsulateRequest(config, h(v.rfc.request_bhttp), {
      primitives: p,
      ephemeralPrivateKey: h(v.rfc.ephemeral_secret_key_skE),
    });
    expect(bytesToHex(req.encapsulatedRequest)).toBe(v.rfc.encapsulated_request);
    expect(bytesToHex(req.enc)).toBe(v.rfc.ephemeral_public_key_pkE_enc);
    expect(bytesToHex(await req.context.export(utf8.encode('message/bhttp response'), 16))).toBe(
      v.rfc.exported_secret,
    );
    const rk = await deriveResponseKey(
      req.suite,
      req.context,
      req.enc,
      utf8.encode('message/bhttp response'),
      h(v.derived.response_nonce),
    );
    expect(bytesToHex(rk.nonce)).toBe(v.rfc.aead_nonce);
    const prk = await p.extract('SHA-256', h(v.rfc.salt_enc_concat_response_nonce), h(v.rfc.exported_secret));
    expect(bytesToHex(prk)).toBe(v.rfc.prk);
    expect(bytesToHex(await p.expand('SHA-256', prk, utf8.encode('key'), 16))).toBe(v.rfc.aead_key);
    expect(bytesToHex(await req.openResponse(h(v.rfc.encapsulated_response)))).toBe(v.rfc.response_bhttp);
  });

  it('decapsulates the request with skR and seals the response with the pinned nonce', async () => {
    const d = await decapsulateRequest([await serverKey()], h(v.rfc.encapsulated_request));
    expect(bytesToHex(d.request)).toBe(v.rfc.request_bhttp);
    expect(d.keyId).toBe(1);
    expect(bytesToHex(d.enc)).toBe(v.rfc.ephemeral_public_key_pkE_enc);
    expect([d.kemId, d.kdfId, d.aeadId]).toEqual([0x20, 1, 1]);
    const res = await d.sealResponse(h(v.rfc.response_bhttp), { responseNonce: h(v.derived.response_nonce) });
    expect(bytesToHex(res)).toBe(v.rfc.encapsulated_response);
  });

  it('uses a fresh ephemeral key and response nonce when none is pinned', async () => {
    const a = await encapsulateRequest(config, h(v.rfc.request_bhttp), { primitives: p });
    const b = await encapsulateRequest(config, h(v.rfc.request_bhttp), { primitives: p });
    expect(bytesToHex(a.enc)).not.toBe(bytesToHex(b.enc));
    const d = await decapsulateRequest([await serverKey()], a.encapsulatedRequest);
    const r1 = await d.sealResponse(h(v.rfc.response_bhttp));
    const r2 = await d.sealResponse(h(v.rfc.response_bhttp));
    expect(bytesToHex(r1.subarray(0, 16))).not.toBe(bytesToHex(r2.subarray(0, 16)));
    expect(bytesToHex(await a.openResponse(r1))).toBe(v.rfc.response_bhttp);
  });

  it('reuses one cached suite per backend and ids', () => {
    expect(getSuite(p, 0x20, 1, 1)).toBe(getSuite(p, 0x20, 1, 1));
  });
});
