/**
 * draft-ietf-ohai-chunked-ohttp-08 Appendix "Example", byte for byte on both backends: the chunked
 * request (pinned skE) chunk by chunk and as a stream, its decapsulation as the bytes trickle in, the
 * chunked response (pinned nonce) and opening it.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concat, hexToBytes, utf8 } from '../../../shared/bytes.ts';
import { decodeKeyConfig, importServerKey } from '../../../shared/keys/index.ts';
import {
  createChunkedRequest,
  decapsulateChunkedRequest,
  encapsulateChunkedRequest,
} from '../../../shared/ohttp/index.ts';
import { deriveResponseKey } from '../../../shared/ohttp/response-key.ts';
import { loadVector } from '../../support/vectors.ts';
import { BACKENDS } from './backends.ts';
import { collect, collectHex, pieces } from './streams.ts';

interface Chunk {
  plaintext: string;
  wire: string;
  final: boolean;
}
interface V {
  draft: Record<string, string> & { response_chunk_nonces: string[] };
  split: {
    request_header_hdr_enc: string;
    request_chunks: Chunk[];
    response_chunks: Chunk[];
    response_nonce: string;
  };
  constants: { media_types: Record<string, string> };
}
const v = loadVector<V>('ohttp-chunked-draft08.json');
const h = hexToBytes;
const config = decodeKeyConfig(h(v.draft.key_config));
const skE = h(v.draft.ephemeral_secret_key_skE);

describe.each(BACKENDS)('chunked OHTTP draft-08 example on $name', (p) => {
  const keys = async () => [
    await importServerKey({ config, privateKey: h(v.draft.gateway_secret_key_skR) }, p),
  ];

  it('seals the request chunk by chunk', async () => {
    const s = await createChunkedRequest(config, { primitives: p, ephemeralPrivateKey: skE });
    expect(bytesToHex(s.header)).toBe(v.split.request_header_hdr_enc);
    const wire = [bytesToHex(s.header)];
    for (const c of v.split.request_chunks) wire.push(bytesToHex(await s.seal(h(c.plaintext), c.final)));
    expect(wire.slice(1)).toEqual(v.split.request_chunks.map((c) => c.wire));
    expect(wire.join('')).toBe(v.draft.encapsulated_request);
    expect(bytesToHex(await s.context.export(utf8.encode('message/bhttp chunked response'), 16))).toBe(
      v.draft.exported_secret,
    );
    await expect(s.seal(new Uint8Array(1))).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('seals the request as a stream (one chunk per piece, then an empty final chunk)', async () => {
    const body = v.split.request_chunks.filter((c) => !c.final).map((c) => h(c.plaintext));
    const c = await encapsulateChunkedRequest(config, body, { primitives: p, ephemeralPrivateKey: skE });
    expect((await collectHex(c.body)).join('')).toBe(v.draft.encapsulated_request);
  });

  it('decapsulates the request byte by byte and seals the response with the pinned nonce', async () => {
    const g = await decapsulateChunkedRequest(await keys(), pieces(h(v.draft.encapsulated_request), 1));
    expect(g.keyId).toBe(1);
    expect(bytesToHex(g.enc)).toBe(v.draft.ephemeral_public_key_pkE_enc);
    expect(await collectHex(g.request)).toEqual(
      v.split.request_chunks.filter((c) => c.plaintext !== '').map((c) => c.plaintext),
    );
    const r = await g.createResponse({ responseNonce: h(v.split.response_nonce) });
    expect(bytesToHex(r.header)).toBe(v.split.response_nonce);
    const wire = [];
    for (const c of v.split.response_chunks) wire.push(bytesToHex(await r.seal(h(c.plaintext), c.final)));
    expect(wire).toEqual(v.split.response_chunks.map((c) => c.wire));
    expect(bytesToHex(r.header) + wire.join('')).toBe(v.draft.encapsulated_response);
  });

  it('seals the response as a stream, nonce first', async () => {
    const g = await decapsulateChunkedRequest(await keys(), [h(v.draft.encapsulated_request)]);
    await collect(g.request);
    const src = v.split.response_chunks.filter((c) => !c.final).map((c) => h(c.plaintext));
    const out = g.encapsulateResponse(src, { responseNonce: h(v.split.response_nonce) });
    const chunks = await collectHex(out);
    expect(chunks[0]).toBe(v.split.response_nonce);
    expect(chunks.join('')).toBe(v.draft.encapsulated_response);
  });

  it('derives the draft response key and per-chunk nonces', async () => {
    const s = await createChunkedRequest(config, { primitives: p, ephemeralPrivateKey: skE });
    const label = utf8.encode('message/bhttp chunked response');
    const rk = await deriveResponseKey(s.suite, s.context, s.enc, label, h(v.split.response_nonce));
    expect(bytesToHex(rk.nonce)).toBe(v.draft.aead_base_nonce);
    const prk = await p.extract('SHA-256', h(v.draft.salt), h(v.draft.exported_secret));
    expect(bytesToHex(prk)).toBe(v.draft.prk);
    expect(bytesToHex(await p.expand('SHA-256', prk, utf8.encode('key'), 16))).toBe(v.draft.aead_key);
  });

  it('opens the response in pieces of every size', async () => {
    for (const size of [1, 2, 7, 16, 17, 1000]) {
      const s = await createChunkedRequest(config, { primitives: p, ephemeralPrivateKey: skE });
      const pts = await collect(s.openResponse(pieces(h(v.draft.encapsulated_response), size)));
      expect(bytesToHex(concat(...pts))).toBe(v.draft.response_bhttp);
    }
  });
});
