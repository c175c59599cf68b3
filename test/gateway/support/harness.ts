/**
 * Test harness for the gateway: a key store in a temporary directory, a gateway built from real
 * configuration, and a minimal OHTTP client (shared/ohttp) that speaks to `app.request()` or to a
 * real URL, so tests read as requests and answers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildConfig, type GatewayConfig } from '../../../gateway/config.ts';
import { createGateway, type Gateway } from '../../../gateway/gateway.ts';
import { writeFreshStore } from '../../../gateway/keys/store.ts';
import type { FetchLike } from '../../../gateway/targets.ts';
import {
  decodeResponse,
  decodeStream,
  encodeRequest,
  encodeRequestStream,
  type Field,
} from '../../../shared/bhttp/index.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';
import { decodeKeyConfigList, type KeyConfig } from '../../../shared/keys/index.ts';
import { encapsulateChunkedRequest, encapsulateRequest, MEDIA_TYPES } from '../../../shared/ohttp/index.ts';

export type Send = (path: string, init: RequestInit) => Promise<Response>;

export async function keyStoreFile(keyIds: number[] = [1]): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'tacit-gw-')), 'keys.json');
  await writeFreshStore(path, keyIds);
  return path;
}

export async function makeGateway(
  opts: {
    flags?: string[];
    builtin?: FetchLike;
    now?: () => number;
    overrides?: Partial<GatewayConfig>;
    log?: import('pino').Logger;
  } = {},
): Promise<Gateway & { send: Send }> {
  const keys = await keyStoreFile();
  // The echo target unless a test says otherwise: starting the inference engine is for the e2e tests.
  // Shaping off unless a test turns it on: these tests are about transport and refusals, and the
  // shaped path (cells, grid, padding) has suites of its own (test/gateway/shaping, test/leakage).
  const { config, errors } = buildConfig(
    ['--keys', keys, '--model', 'echo', '--shaping', 'off', ...(opts.flags ?? [])],
    {},
    opts.overrides,
  );
  if (config === null) throw new Error(errors.join('; '));
  const gw = await createGateway({
    config,
    log: opts.log ?? pino({ level: 'silent' }),
    ...(opts.builtin === undefined ? {} : { builtin: opts.builtin }),
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
  return Object.assign(gw, {
    send: (path: string, init: RequestInit) => Promise.resolve(gw.app.request(path, init)),
  });
}

export async function fetchKeys(send: Send): Promise<KeyConfig[]> {
  const res = await send('/ohttp-keys', { method: 'GET' });
  return decodeKeyConfigList(new Uint8Array(await res.arrayBuffer()));
}

export interface InnerAnswer {
  outer: Response;
  status: number;
  headers: Headers;
  text: string;
}

export interface InnerRequest {
  method?: string;
  url: string;
  headers?: Field[];
  body?: string;
  /** The inner Date; default now. `null` leaves it out. */
  date?: Date | null;
}

function innerFields(r: InnerRequest): Field[] {
  const h: Field[] = [...(r.headers ?? [])];
  if (r.date !== null) h.push(['date', (r.date ?? new Date()).toUTCString()]);
  return h;
}

/** Encapsulates an inner request for `config` (known-length Binary HTTP inside RFC 9458 OHTTP). */
export async function sealRequest(config: KeyConfig, r: InnerRequest) {
  const u = new URL(r.url);
  const bhttp = encodeRequest({
    method: r.method ?? 'GET',
    scheme: u.protocol.slice(0, -1),
    authority: u.host,
    path: `${u.pathname}${u.search}`,
    headers: innerFields(r),
    content: new TextEncoder().encode(r.body ?? ''),
  });
  return encapsulateRequest(config, bhttp, { primitives: nodePrimitives });
}

/** One OHTTP round trip through `send`; decrypts the answer when the outer status is 200. */
export async function ohttp(
  send: Send,
  config: KeyConfig,
  r: InnerRequest,
  extra: { signal?: AbortSignal; path?: string } = {},
): Promise<InnerAnswer> {
  const req = await sealRequest(config, r);
  const outer = await send(extra.path ?? '/gateway', {
    method: 'POST',
    headers: { 'content-type': MEDIA_TYPES.request },
    body: req.encapsulatedRequest as Uint8Array<ArrayBuffer>,
    ...(extra.signal === undefined ? {} : { signal: extra.signal }),
  });
  if (outer.status !== 200)
    return { outer, status: outer.status, headers: outer.headers, text: await outer.text() };
  const plain = decodeResponse(await req.openResponse(new Uint8Array(await outer.arrayBuffer())));
  return {
    outer,
    status: plain.status,
    headers: new Headers(plain.headers),
    text: new TextDecoder().decode(plain.content),
  };
}

/** A chunked OHTTP exchange; `pieces` yields the decrypted response content as it arrives. */
export async function ohttpChunked(
  send: Send,
  config: KeyConfig,
  r: InnerRequest,
  extra: { signal?: AbortSignal } = {},
): Promise<{
  outer: Response;
  status: number;
  headers: Headers;
  pieces: AsyncGenerator<string> | null;
  text?: string;
}> {
  const u = new URL(r.url);
  const plain = encodeRequestStream({
    head: {
      method: r.method ?? 'GET',
      scheme: u.protocol.slice(0, -1),
      authority: u.host,
      path: `${u.pathname}${u.search}`,
      headers: innerFields(r),
    },
    body: r.body === undefined ? null : once(new TextEncoder().encode(r.body)),
  });
  const c = await encapsulateChunkedRequest(config, plain, { primitives: nodePrimitives });
  const outer = await send('/gateway', {
    method: 'POST',
    headers: { 'content-type': MEDIA_TYPES.chunkedRequest },
    body: c.body,
    duplex: 'half',
    ...(extra.signal === undefined ? {} : { signal: extra.signal }),
  } as RequestInit);
  if (outer.status !== 200)
    return { outer, status: outer.status, headers: outer.headers, pieces: null, text: await outer.text() };
  const parts = decodeStream(c.openResponse(outer.body!), { expect: 'response' });
  let status = 0;
  let headers = new Headers();
  for (;;) {
    const p = await parts.next();
    if (p.done) throw new Error('no response head');
    if (p.value.type === 'response-head') {
      status = p.value.head.status;
      headers = new Headers(p.value.head.headers);
      break;
    }
  }
  async function* pieces(): AsyncGenerator<string> {
    const dec = new TextDecoder();
    for await (const p of parts) if (p.type === 'content') yield dec.decode(p.chunk, { stream: true });
  }
  return { outer, status, headers, pieces: pieces() };
}

export async function collect(pieces: AsyncGenerator<string> | null): Promise<string> {
  let s = '';
  if (pieces !== null) for await (const p of pieces) s += p;
  return s;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
