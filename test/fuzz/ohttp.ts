/**
 * Fuzz targets for the OHTTP decoders (`npm run fuzz -- ohttp`): key configs and lists, encapsulated
 * requests and responses, chunked request and response streams. Seeds are valid messages made with a
 * fixed key (RFC 9458 Appendix A), so mutations reach past the header into decryption.
 */
import { concat, hexToBytes } from '../../shared/bytes.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import {
  decodeKeyConfig,
  decodeKeyConfigList,
  encodeKeyConfigList,
  importServerKey,
} from '../../shared/keys/index.ts';
import { ChunkParser } from '../../shared/ohttp/chunked/index.ts';
import {
  decapsulateChunkedRequest,
  decapsulateRequest,
  encapsulateChunkedRequest,
  encapsulateRequest,
} from '../../shared/ohttp/index.ts';
import { loadVector } from '../support/vectors.ts';
import type { FuzzTarget } from './run.ts';

const v = loadVector<{ rfc: Record<string, string> }>('ohttp-rfc9458.json');
const config = decodeKeyConfig(hexToBytes(v.rfc.key_config));
const keys = [
  await importServerKey({ config, privateKey: hexToBytes(v.rfc.gateway_secret_key_skR) }, nodePrimitives),
];
const opts = { primitives: nodePrimitives };

async function drain(s: ReadableStream<Uint8Array>): Promise<void> {
  const r = s.getReader();
  while (!(await r.read()).done) {
    // discard
  }
}

async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const r = s.getReader();
  for (let x = await r.read(); !x.done; x = await r.read()) parts.push(x.value);
  return concat(...parts);
}

const req = await encapsulateRequest(config, hexToBytes(v.rfc.request_bhttp), opts);
const res = await (await decapsulateRequest(keys, req.encapsulatedRequest)).sealResponse(new Uint8Array(40));
const chunked = await encapsulateChunkedRequest(config, [new Uint8Array(30), new Uint8Array(3)], opts);
const chunkedReq = await collect(chunked.body);
const g = await decapsulateChunkedRequest(keys, [chunkedReq]);
await drain(g.request);
const chunkedRes = await collect(g.encapsulateResponse([new Uint8Array(17), new Uint8Array(2)]));

export const targets: FuzzTarget[] = [
  { name: 'ohttp/key-config', seeds: [hexToBytes(v.rfc.key_config)], run: (b) => decodeKeyConfig(b) },
  {
    name: 'ohttp/key-config-list',
    seeds: [encodeKeyConfigList([config, config])],
    run: (b) => decodeKeyConfigList(b),
  },
  { name: 'ohttp/request', seeds: [req.encapsulatedRequest], run: (b) => decapsulateRequest(keys, b) },
  { name: 'ohttp/response', seeds: [res], run: (b) => req.openResponse(b) },
  {
    name: 'ohttp/chunk-parser',
    seeds: [chunkedReq.subarray(39)],
    run: (b) => {
      const p = new ChunkParser(64);
      p.push(b.subarray(0, b.length >> 1));
      p.push(b.subarray(b.length >> 1));
      return p.end();
    },
  },
  {
    name: 'ohttp/chunked-request',
    seeds: [chunkedReq],
    run: async (b) =>
      drain((await decapsulateChunkedRequest(keys, [b.subarray(0, 20), b.subarray(20)])).request),
  },
  { name: 'ohttp/chunked-response', seeds: [chunkedRes], run: (b) => drain(chunked.openResponse([b])) },
];
