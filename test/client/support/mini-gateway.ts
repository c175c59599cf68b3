/**
 * A small OHTTP gateway built from shared/ alone, for testing the SDK without the project's gateway:
 * RFC 9458 whole messages and chunked OHTTP over a real node:http server on 127.0.0.1, answering from a
 * WHATWG fetch handler. Knobs let a test rotate keys, demand a fresh Date, or cut a stream short.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  decodeRequest,
  encodeResponse,
  fromResponse,
  fromResponseStreaming,
  toRequest,
  toRequestStreaming,
} from '../../../shared/bhttp/index.ts';
import { isTacitError } from '../../../shared/errors.ts';
import type { KemId } from '../../../shared/hpke/index.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';
import {
  encodeKeyConfigList,
  generateOhttpKey,
  importServerKey,
  type OhttpKey,
  type ServerKey,
} from '../../../shared/keys/index.ts';
import { decapsulateChunkedRequest } from '../../../shared/ohttp/chunked/index.ts';
import { decapsulateRequest, MEDIA_TYPES } from '../../../shared/ohttp/index.ts';
import { PROBLEM_TYPE_DATE, problem, problemFor } from '../../../shared/problem.ts';

export type Handler = (req: Request) => Promise<Response> | Response;

export interface MiniGateway {
  url: string;
  /** POST target for encapsulated requests. */
  gatewayUrl: string;
  keysUrl: string;
  keys: OhttpKey[];
  /** Replaces the served keys with a fresh one (new key id): requests to the old key get `ohttp-key`. */
  rotate(): Promise<void>;
  /** Inner requests whose Date is further than this from `clock()` get the `date` problem. */
  dateWindowMs: number | undefined;
  clock: () => number;
  /** Stop chunked responses after this many bytes, without the final chunk. */
  cutChunkedAfter: number | undefined;
  /** Count of requests that reached the handler. */
  handled: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return new Uint8Array(Buffer.concat(parts));
}

function sendProblem(res: ServerResponse, status: number, p: object): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(p));
}

function dateProblem(gw: MiniGateway, req: Request): Response | undefined {
  if (gw.dateWindowMs === undefined) return undefined;
  const sent = Date.parse(req.headers.get('date') ?? '');
  if (!Number.isNaN(sent) && Math.abs(sent - gw.clock()) <= gw.dateWindowMs) return undefined;
  return new Response(JSON.stringify(problem(400, 'date not acceptable', PROBLEM_TYPE_DATE)), {
    status: 400,
    headers: { 'content-type': 'application/problem+json', date: new Date(gw.clock()).toUTCString() },
  });
}

export async function startMiniGateway(
  handler: Handler,
  options: { kemId?: KemId; keyId?: number } = {},
): Promise<MiniGateway> {
  let keyId = options.keyId ?? 1;
  const make = async () => {
    const key = await generateOhttpKey(
      { keyId, ...(options.kemId !== undefined && { kemId: options.kemId }) },
      nodePrimitives,
    );
    return { key, server: await importServerKey(key, nodePrimitives) };
  };
  let current = [await make()];
  const serverKeys = (): ServerKey[] => current.map((k) => k.server);

  const gw: MiniGateway = {
    url: '',
    gatewayUrl: '',
    keysUrl: '',
    keys: current.map((k) => k.key),
    dateWindowMs: undefined,
    clock: Date.now,
    cutChunkedAfter: undefined,
    handled: 0,
    async rotate() {
      keyId = (keyId + 1) % 256;
      current = [await make()];
      gw.keys = current.map((k) => k.key);
    },
    close: async () => undefined,
  };

  const answer = async (req: Request): Promise<Response> => {
    const refused = dateProblem(gw, req);
    if (refused !== undefined) return refused;
    gw.handled++;
    return handler(req);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/ohttp-keys') {
        res.writeHead(200, { 'content-type': MEDIA_TYPES.keys, 'cache-control': 'max-age=60' });
        res.end(encodeKeyConfigList(gw.keys.map((k) => k.config)));
        return;
      }
      const type = req.headers['content-type'];
      if (req.method === 'POST' && type === MEDIA_TYPES.request) {
        const d = await decapsulateRequest(serverKeys(), await body(req));
        const inner = await answer(toRequest(decodeRequest(d.request)));
        const sealed = await d.sealResponse(encodeResponse(await fromResponse(inner)));
        res.writeHead(200, { 'content-type': MEDIA_TYPES.response }).end(sealed);
        return;
      }
      if (req.method === 'POST' && type === MEDIA_TYPES.chunkedRequest) {
        const d = await decapsulateChunkedRequest(
          serverKeys(),
          Readable.toWeb(req) as ReadableStream<Uint8Array>,
        );
        const { request } = await toRequestStreaming(d.request);
        const inner = await answer(request);
        const wire = d.encapsulateResponse(fromResponseStreaming(inner));
        res.writeHead(200, { 'content-type': MEDIA_TYPES.chunkedResponse });
        let sent = 0;
        for await (const piece of wire as unknown as AsyncIterable<Uint8Array>) {
          if (gw.cutChunkedAfter !== undefined && sent + piece.length > gw.cutChunkedAfter) {
            res.end(piece.subarray(0, Math.max(0, gw.cutChunkedAfter - sent)));
            return;
          }
          sent += piece.length;
          res.write(piece);
        }
        res.end();
        return;
      }
      sendProblem(res, 415, problem(415, 'unsupported media type'));
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (isTacitError(e)) {
        const p = problemFor(e);
        sendProblem(res, p.status, p);
      } else {
        sendProblem(res, 500, problem(500, 'internal error'));
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  gw.url = `http://127.0.0.1:${port}`;
  gw.gatewayUrl = `${gw.url}/gateway`;
  gw.keysUrl = `${gw.url}/ohttp-keys`;
  gw.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return gw;
}
