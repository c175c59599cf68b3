/**
 * What the relay (or anyone on the client's link) can observe: a TCP proxy on 127.0.0.1 between the
 * client and the relay that timestamps every read in each direction with its size. It never parses
 * or changes a byte; the bytes are kept only so that tests can compare the outer HTTP headers.
 *
 * One connection is one trace; the harness opens a fresh connection per request, so trace i is
 * request i as the relay saw it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Read {
  /** `up`: client to relay; `down`: relay to client. */
  dir: 'up' | 'down';
  size: number;
  /** Milliseconds (performance.now()) when the read completed. */
  t: number;
}

export interface Trace {
  /** The client's address: the harness gives each concurrent request its own loopback address. */
  remote: string;
  reads: Read[];
  upBytes: Uint8Array[];
  downBytes: Uint8Array[];
  closed: Promise<void>;
}

export interface Observer {
  readonly port: number;
  readonly url: string;
  readonly traces: Trace[];
  close(): Promise<void>;
}

export async function startObserver(target: { host: string; port: number }): Promise<Observer> {
  const traces: Trace[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    let done!: () => void;
    const trace: Trace = {
      remote: client.remoteAddress ?? '',
      reads: [],
      upBytes: [],
      downBytes: [],
      closed: new Promise((r) => (done = r)),
    };
    traces.push(trace);
    const upstream = createConnection({ host: target.host, port: target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (b: Buffer) => {
      trace.reads.push({ dir: 'up', size: b.length, t: performance.now() });
      trace.upBytes.push(new Uint8Array(b));
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      trace.reads.push({ dir: 'down', size: b.length, t: performance.now() });
      trace.downBytes.push(new Uint8Array(b));
      client.write(b);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    let open = 2;
    const closeOne = () => {
      if (--open === 0) done();
    };
    client.on('close', closeOne);
    upstream.on('close', closeOne);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    traces,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The features of one trace that the suite compares (sizes in bytes, times in ms). */
export interface Observation {
  /** Message sizes: the HTTP bodies (de-chunked) each way, as a relay that counts bytes sees them. */
  upTotal: number;
  downTotal: number;
  /** Raw bytes each way (HTTP heads and chunk framing included; framing varies with TCP coalescing). */
  upRaw: number;
  downRaw: number;
  /** First request byte to last response byte. */
  duration: number;
  /** Last request byte to first response byte. */
  firstByte: number;
  /** Response reads and the gaps between them. */
  downReads: number;
  gaps: number[];
  /** Sizes of the response reads (after the first, which carries the outer HTTP head). */
  sizes: number[];
}

export function observe(trace: Trace): Observation {
  const up = trace.reads.filter((r) => r.dir === 'up');
  const down = trace.reads.filter((r) => r.dir === 'down');
  const t0 = up[0]?.t ?? 0;
  const lastUp = up.at(-1)?.t ?? t0;
  const gaps: number[] = [];
  for (let i = 1; i < down.length; i++) gaps.push(down[i]!.t - down[i - 1]!.t);
  return {
    upTotal: bodyLength(trace.upBytes),
    downTotal: bodyLength(trace.downBytes),
    upRaw: up.reduce((s, r) => s + r.size, 0),
    downRaw: down.reduce((s, r) => s + r.size, 0),
    duration: (down.at(-1)?.t ?? t0) - t0,
    firstByte: (down[0]?.t ?? lastUp) - lastUp,
    downReads: down.length,
    gaps,
    sizes: down.slice(1).map((r) => r.size),
  };
}

/** The outer HTTP header block of one direction, with the fields that differ per message in time removed. */
export function outerHead(chunks: Uint8Array[]): string {
  const text = Buffer.concat(chunks).toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  return head
    .split('\r\n')
    .filter((l) => !/^date:/i.test(l))
    .join('\n');
}

/** The body length of one HTTP/1.1 message (Content-Length, or the sum of its chunks). */
export function bodyLength(chunks: Uint8Array[]): number {
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  if (end < 0) return 0;
  const head = all.subarray(0, end).toString('latin1');
  if (!/transfer-encoding:\s*chunked/i.test(head)) return all.length - end - 4;
  let o = end + 4;
  let total = 0;
  while (o < all.length) {
    const nl = all.indexOf('\r\n', o);
    if (nl < 0) break;
    const n = Number.parseInt(all.subarray(o, nl).toString('latin1'), 16);
    if (!Number.isFinite(n) || n === 0) break;
    total += n;
    o = nl + 2 + n + 2;
  }
  return total;
}
