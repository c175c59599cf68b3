/**
 * Interoperability: an OHTTP client written here from RFC 9458, RFC 9292 and RFC 9180 alone, with
 * @hpke/core for HPKE and WebCrypto HKDF/AES-GCM for the response, none of tacit's shared/ or
 * client/ code, talks to the real gateway process directly, through a minimal relay written here
 * from RFC 9458 section 4 (not tacit's), and through tacit's relay process. And the other way round:
 * a minimal gateway written here the same way answers tacit's SDK through tacit's relay process.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aes128Gcm, HkdfSha256, CipherSuite as RefSuite } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../client/index.ts';
import { nodePrimitives } from '../../shared/hpke/primitives-node.ts';
import { keyStoreFile } from '../gateway/support/harness.ts';
import { type Proc, startGatewayProcess, startRelayProcess } from './support/processes.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

// --- RFC 9000 16 variable-length integers, RFC 9292 known-length messages -------------------------

function varint(n: number): number[] {
  if (n < 64) return [n];
  if (n < 16384) return [0x40 | (n >> 8), n & 0xff];
  return [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
const lengthPrefixed = (b: Uint8Array): number[] => [...varint(b.length), ...b];

function bhttpRequest(
  method: string,
  authority: string,
  path: string,
  headers: [string, string][],
  body: Uint8Array,
) {
  const fields = headers.flatMap(([n, v]) => [
    ...lengthPrefixed(enc.encode(n)),
    ...lengthPrefixed(enc.encode(v)),
  ]);
  return new Uint8Array([
    0, // framing indicator: known-length request
    ...lengthPrefixed(enc.encode(method)),
    ...lengthPrefixed(enc.encode('https')),
    ...lengthPrefixed(enc.encode(authority)),
    ...lengthPrefixed(enc.encode(path)),
    ...varint(fields.length),
    ...fields,
    ...lengthPrefixed(body),
    0, // empty trailer section
  ]);
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    private at = 0,
  ) {}
  varint(): number {
    const first = this.b[this.at]!;
    const len = 1 << (first >> 6);
    let v = first & 0x3f;
    for (let i = 1; i < len; i++) v = v * 256 + this.b[this.at + i]!;
    this.at += len;
    return v;
  }
  bytes(n: number): Uint8Array {
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  done(): boolean {
    return this.at >= this.b.length;
  }
}

/** A known-length response (RFC 9292 3.1): status, fields, content; padding or trailers ignored. */
function bhttpResponse(b: Uint8Array): { status: number; headers: Map<string, string>; body: Uint8Array } {
  const r = new Reader(b);
  if (r.varint() !== 1) throw new Error('not a known-length response');
  let status = r.varint();
  let fields = new Reader(r.bytes(r.varint()));
  while (status < 200) {
    status = r.varint(); // informational responses come first, each with its own fields
    fields = new Reader(r.bytes(r.varint()));
  }
  const headers = new Map<string, string>();
  while (!fields.done()) {
    const n = dec.decode(fields.bytes(fields.varint()));
    headers.set(n, dec.decode(fields.bytes(fields.varint())));
  }
  return { status, headers, body: r.done() ? new Uint8Array(0) : r.bytes(r.varint()) };
}

// --- RFC 9458 3 key configuration, 4.3 request, 4.4 response ---------------------------------------

const KEM_X25519 = 0x0020;
const KDF_SHA256 = 0x0001;
const AEAD_AES128GCM = 0x0001;

/** The first configuration in an application/ohttp-keys list that uses X25519/SHA-256/AES-128-GCM. */
function pickConfig(list: Uint8Array): { keyId: number; publicKey: Uint8Array } {
  let at = 0;
  while (at < list.length) {
    const len = (list[at]! << 8) | list[at + 1]!;
    const c = list.subarray(at + 2, at + 2 + len);
    at += 2 + len;
    const kem = (c[1]! << 8) | c[2]!;
    if (kem !== KEM_X25519) continue;
    const publicKey = c.subarray(3, 35);
    const suitesLen = (c[35]! << 8) | c[36]!;
    for (let s = 37; s < 37 + suitesLen; s += 4) {
      if (((c[s]! << 8) | c[s + 1]!) === KDF_SHA256 && ((c[s + 2]! << 8) | c[s + 3]!) === AEAD_AES128GCM)
        return { keyId: c[0]!, publicKey };
    }
  }
  throw new Error('no X25519/SHA-256/AES-128-GCM configuration');
}

const suite = new RefSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});

/** Nk of AES-128-GCM, larger than its Nn (12): the response nonce's length (RFC 9458 4.4). */
const NK = 16;
const RESPONSE_LABEL = enc.encode('message/bhttp response');
/** RFC 9458 4.3: the HPKE info, "message/bhttp request", a zero byte, then the header. */
const requestInfo = (hdr: Uint8Array) => new Uint8Array([...enc.encode('message/bhttp request'), 0, ...hdr]);

async function hmacSha256(
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

/**
 * RFC 9458 4.4, both ends: prk = Extract(enc || response_nonce, secret), then the AES key and nonce
 * expanded from it (one HMAC block each), with WebCrypto's HMAC directly.
 */
async function responseAead(
  secret: Uint8Array<ArrayBuffer>,
  encKey: Uint8Array,
  responseNonce: Uint8Array,
  usage: 'encrypt' | 'decrypt',
): Promise<{ key: CryptoKey; iv: Uint8Array<ArrayBuffer> }> {
  const prk = await hmacSha256(new Uint8Array([...encKey, ...responseNonce]), secret);
  const raw = (await hmacSha256(prk, new Uint8Array([...enc.encode('key'), 1]))).slice(0, NK);
  const iv = (await hmacSha256(prk, new Uint8Array([...enc.encode('nonce'), 1]))).slice(0, 12);
  return { key: await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, [usage]), iv };
}

async function encapsulate(config: { keyId: number; publicKey: Uint8Array }, bhttp: Uint8Array) {
  const hdr = new Uint8Array([config.keyId, 0, KEM_X25519, 0, KDF_SHA256, 0, AEAD_AES128GCM]);
  const info = requestInfo(hdr);
  const recipientPublicKey = await suite.kem.deserializePublicKey(config.publicKey.slice().buffer);
  const sender = await suite.createSenderContext({ recipientPublicKey, info });
  const ct = new Uint8Array(await sender.seal(bhttp.slice().buffer));
  const encKey = new Uint8Array(sender.enc);
  const body = new Uint8Array([...hdr, ...encKey, ...ct]);
  const open = async (res: Uint8Array<ArrayBuffer>): Promise<Uint8Array> => {
    const secret = new Uint8Array(await sender.export(RESPONSE_LABEL.buffer, NK));
    const { key, iv } = await responseAead(secret, encKey, res.subarray(0, NK), 'decrypt');
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, res.subarray(NK)));
  };
  return { body, open };
}

// --- a minimal relay from RFC 9458 4: the body and the media type, nothing else ------------------

function minimalRelay(gatewayUrl: string): Server {
  return createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const up = httpRequest(
        gatewayUrl,
        { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' } },
        (g) => {
          res.writeHead(g.statusCode ?? 502, { 'content-type': g.headers['content-type'] ?? '' });
          g.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(parts));
    });
  });
}

// --- a minimal gateway from RFC 9458 3, 4.3, 4.4 and RFC 9292 ---------------------------------------

/** A known-length request (RFC 9292 3.1): method, path and content; fields, trailers, padding skipped. */
function parseBhttpRequest(b: Uint8Array): { method: string; path: string; content: Uint8Array } {
  const r = new Reader(b);
  if (r.varint() !== 0) throw new Error('not a known-length request');
  const method = dec.decode(r.bytes(r.varint()));
  r.bytes(r.varint()); // scheme
  r.bytes(r.varint()); // authority
  const path = dec.decode(r.bytes(r.varint()));
  r.bytes(r.varint()); // header section
  return { method, path, content: r.done() ? new Uint8Array(0) : r.bytes(r.varint()) };
}

function bhttpResponseBytes(status: number, type: string, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const fields = [...lengthPrefixed(enc.encode('content-type')), ...lengthPrefixed(enc.encode(type))];
  return new Uint8Array([
    1,
    ...varint(status),
    ...varint(fields.length),
    ...fields,
    ...lengthPrefixed(content),
    0,
  ]);
}

async function minimalGateway(keyId: number): Promise<Server> {
  const keyPair = await suite.kem.generateKeyPair();
  const pk = new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey));
  const config = new Uint8Array([keyId, 0, KEM_X25519, ...pk, 0, 4, 0, KDF_SHA256, 0, AEAD_AES128GCM]);
  const list = new Uint8Array([0, config.length, ...config]);
  const answer = async (body: Uint8Array<ArrayBuffer>): Promise<Uint8Array> => {
    const hdr = body.subarray(0, 7);
    if (hdr[0] !== keyId) throw new Error('unknown key');
    const encKey = body.slice(7, 39);
    const info = requestInfo(hdr);
    const recipient = await suite.createRecipientContext({ recipientKey: keyPair, enc: encKey.buffer, info });
    const req = parseBhttpRequest(new Uint8Array(await recipient.open(body.slice(39).buffer)));
    const inner = bhttpResponseBytes(
      200,
      'text/plain',
      enc.encode(`independent ${req.method} ${req.path} ${dec.decode(req.content)}`),
    );
    const secret = new Uint8Array(await recipient.export(RESPONSE_LABEL.buffer, NK));
    const responseNonce = new Uint8Array(randomBytes(NK));
    const { key, iv } = await responseAead(secret, encKey, responseNonce, 'encrypt');
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, inner));
    return new Uint8Array([...responseNonce, ...ct]);
  };
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ohttp-keys') {
      res.writeHead(200, { 'content-type': 'application/ohttp-keys', 'cache-control': 'max-age=60' });
      res.end(list);
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      answer(new Uint8Array(Buffer.concat(parts))).then(
        (out) => {
          res.writeHead(200, { 'content-type': 'message/ohttp-res' });
          res.end(out);
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
  });
}

async function post(
  url: string,
  body: Uint8Array,
): Promise<{ status: number; type: string | null; body: Uint8Array<ArrayBuffer> }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'message/ohttp-req' },
    body: body as Uint8Array<ArrayBuffer>,
  });
  return {
    status: r.status,
    type: r.headers.get('content-type'),
    body: new Uint8Array(await r.arrayBuffer()),
  };
}

let gateway: Proc & { url: string };
let relay: Proc & { url: string };
let minimal: Server;
let minimalUrl: string;
let independentGateway: Server;
let relayToIndependent: Proc & { url: string };

beforeAll(async () => {
  gateway = await startGatewayProcess(['--keys', await keyStoreFile([7]), '--model', 'echo']);
  relay = await startRelayProcess(gateway.url);
  minimal = minimalRelay(`${gateway.url}/gateway`);
  await new Promise<void>((r) => minimal.listen(0, '127.0.0.1', r));
  minimalUrl = `http://127.0.0.1:${(minimal.address() as AddressInfo).port}`;
  independentGateway = await minimalGateway(9);
  await new Promise<void>((r) => independentGateway.listen(0, '127.0.0.1', r));
  relayToIndependent = await startRelayProcess(
    `http://127.0.0.1:${(independentGateway.address() as AddressInfo).port}`,
  );
}, 60_000);

afterAll(async () => {
  await relayToIndependent?.stop();
  await new Promise((r) => independentGateway?.close(r));
  await relay?.stop();
  await gateway?.stop();
  await new Promise((r) => minimal?.close(r));
});

describe('an independent OHTTP client', () => {
  const paths = {
    'directly to the gateway': () => `${gateway.url}/gateway`,
    'through a minimal independent relay': () => minimalUrl,
    "through tacit's relay": () => `${relay.url}/relay`,
  };

  for (const [how, url] of Object.entries(paths)) {
    it(`is answered ${how}`, async () => {
      const list = new Uint8Array(await (await fetch(`${gateway.url}/ohttp-keys`)).arrayBuffer());
      const config = pickConfig(list);
      expect(config.keyId).toBe(7);
      const payload = enc.encode(`interop ${how}`);
      const req = bhttpRequest(
        'POST',
        'tacit.local',
        '/echo',
        [
          ['content-type', 'text/plain'],
          ['date', new Date().toUTCString()],
        ],
        payload,
      );
      const sealed = await encapsulate(config, req);
      const res = await post(url(), sealed.body);
      expect(res.status).toBe(200);
      expect(res.type).toBe('message/ohttp-res');
      const inner = bhttpResponse(await sealed.open(res.body));
      expect(inner.status).toBe(200);
      expect(dec.decode(inner.body)).toBe(`interop ${how}`);
    });
  }

  it('gets the problem answers of RFC 9458 5.2 from the gateway', async () => {
    const list = new Uint8Array(await (await fetch(`${gateway.url}/ohttp-keys`)).arrayBuffer());
    const config = pickConfig(list);
    const sealed = await encapsulate(
      config,
      bhttpRequest('GET', 'tacit.local', '/v1/models', [], new Uint8Array()),
    );
    const unknownKey = sealed.body.slice();
    unknownKey[0] = config.keyId ^ 0xff;
    const a = await post(`${gateway.url}/gateway`, unknownKey);
    expect(a.status).toBe(422);
    expect(JSON.parse(dec.decode(a.body)).type).toBe(
      'https://iana.org/assignments/http-problem-types#ohttp-key',
    );
    const flipped = sealed.body.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect((await post(`${gateway.url}/gateway`, flipped)).status).toBe(400);
  });
});

describe('an independent gateway', () => {
  it("answers tacit's SDK through tacit's relay", async () => {
    const client = createClient({
      relay: `${relayToIndependent.url}/relay`,
      keys: `${relayToIndependent.url}/relay/ohttp-keys`,
      primitives: nodePrimitives,
    });
    const res = await client.fetch('https://tacit.local/echo', { method: 'POST', body: 'from the SDK' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('independent POST /echo from the SDK');
  });
});
