/**
 * A gateway stand-in for relay tests: a real HTTP server on 127.0.0.1 that records exactly what
 * reaches it and answers as told (an OHTTP response, a stream released piece by piece by the test,
 * a hang, a reset, an error status).
 *
 * It implements `GatewayUnderTest`, the only thing most relay tests need from a gateway, so that a
 * real gateway process (`tacit gateway ...`) can be swapped in where recording is not needed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewayUnderTest {
  /** Where the relay forwards encapsulated requests. */
  readonly url: string;
  /** Where it serves `application/ohttp-keys`. */
  readonly keysUrl: string;
  close(): Promise<void>;
}

export interface Recorded {
  method: string;
  url: string;
  /** Lower-cased header names, as received. */
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: Buffer;
  remoteAddress: string | undefined;
}

export type Behaviour =
  /** Answer once the request is complete: by default 200 message/ohttp-res with `res:` + request body. */
  | {
      kind: 'answer';
      status?: number;
      contentType?: string;
      body?: Uint8Array;
      headers?: Record<string, string>;
    }
  /** Stream `pieces` as message/ohttp-chunked-res; piece i > 0 waits for `gate(i)`. Starts at once. */
  | { kind: 'stream'; pieces: Uint8Array[]; gate: (i: number) => Promise<void> }
  /** Read the request, then never answer. */
  | { kind: 'hang' }
  /** Read the request, then cut the connection without answering. */
  | { kind: 'reset' }
  /** Send headers and a first piece, then cut the connection mid-stream. */
  | { kind: 'cut-stream'; first: Uint8Array };

export class GatewayStandIn implements GatewayUnderTest {
  readonly recorded: Recorded[] = [];
  behaviour: Behaviour = { kind: 'answer' };
  /** The key list served at /ohttp-keys, its Cache-Control, and how often it was fetched. */
  keys = { body: new Uint8Array([0, 4, 1, 2, 3, 4]), cacheControl: 'max-age=60', fetches: 0, version: 0 };
  /** Streams that have sent their last piece. */
  finishedStreams = 0;
  /** Requests seen (including those still being read). */
  started = 0;
  readonly #server: Server;
  readonly #sockets = new Set<import('node:net').Socket>();
  url = '';
  keysUrl = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }

  static async start(port = 0): Promise<GatewayStandIn> {
    const g = new GatewayStandIn();
    await new Promise<void>((resolve) => g.#server.listen(port, '127.0.0.1', () => resolve()));
    const p = (g.#server.address() as AddressInfo).port;
    g.url = `http://127.0.0.1:${p}/gateway`;
    g.keysUrl = `http://127.0.0.1:${p}/ohttp-keys`;
    return g;
  }

  get last(): Recorded {
    const r = this.recorded.at(-1);
    if (r === undefined) throw new Error('nothing reached the gateway');
    return r;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/ohttp-keys') {
      this.keys.fetches++;
      res.writeHead(200, {
        'content-type': 'application/ohttp-keys',
        'cache-control': this.keys.cacheControl,
      });
      res.end(this.keys.body);
      return;
    }
    this.started++;
    const b = this.behaviour;
    const rec: Recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      body: Buffer.alloc(0),
      remoteAddress: req.socket.remoteAddress,
    };
    this.recorded.push(rec);
    if (b.kind === 'stream') {
      // Full duplex: the answer starts before the request has ended (chunked OHTTP allows it).
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        rec.body = Buffer.concat(chunks);
      });
      res.writeHead(200, { 'content-type': 'message/ohttp-chunked-res' });
      res.flushHeaders();
      for (let i = 0; i < b.pieces.length; i++) {
        if (i > 0) await b.gate(i);
        res.write(b.pieces[i]);
      }
      res.end();
      this.finishedStreams++;
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    rec.body = Buffer.concat(chunks);
    switch (b.kind) {
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut-stream':
        res.writeHead(200, { 'content-type': 'message/ohttp-chunked-res' });
        res.write(b.first, () => setImmediate(() => req.socket.destroy()));
        return;
      case 'answer': {
        const body = b.body ?? Buffer.concat([Buffer.from('res:'), rec.body]);
        res.writeHead(b.status ?? 200, {
          'content-type': b.contentType ?? 'message/ohttp-res',
          'content-length': body.length,
          ...b.headers,
        });
        res.end(body);
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A deferred: a promise with its resolver, for tests that release a stand-in step by step. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
