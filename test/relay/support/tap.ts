/**
 * A raw TCP tap: a node:net proxy that forwards every byte unchanged between its clients and one
 * target, and records what each client sent, per connection, in arrival order.
 *
 * Placed between the relay and a real gateway it shows exactly what crossed that hop, below any HTTP
 * parser: what the relay wrote is what the tap holds, including bytes that no handler ever looks at.
 */

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Piece {
  conn: number;
  data: Buffer;
}

export class ByteTap {
  readonly #server: Server;
  readonly #pieces: Piece[] = [];
  readonly #sockets = new Set<Socket>();
  #connections = 0;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const conn = this.#connections++;
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.once('close', () => this.#sockets.delete(s));
        s.setNoDelay(true);
      }
      client.on('data', (d: Buffer) => {
        this.#pieces.push({ conn, data: Buffer.from(d) });
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(target: { host: string; port: number }): Promise<ByteTap> {
    const t = new ByteTap(target);
    await new Promise<void>((resolve) => t.#server.listen(0, '127.0.0.1', () => resolve()));
    t.port = (t.#server.address() as AddressInfo).port;
    return t;
  }

  /** A position in the recording, for `since`. */
  mark(): number {
    return this.#pieces.length;
  }

  /** What clients sent after `mark`, one buffer per connection (bytes of one connection joined). */
  since(mark = 0): Buffer[] {
    const byConn = new Map<number, Buffer[]>();
    for (const p of this.#pieces.slice(mark)) {
      const list = byConn.get(p.conn) ?? [];
      list.push(p.data);
      byConn.set(p.conn, list);
    }
    return [...byConn.values()].map((l) => Buffer.concat(l));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * The header blocks of the HTTP/1.1 requests in `bytes` (latin1, lower-cased), each from its request
 * line to the blank line. Request lines are found by their `HTTP/1.1` ending, which ciphertext bodies
 * do not produce by chance at any rate that matters (ten fixed bytes).
 */
export function requestHeads(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  const heads: string[] = [];
  const line = /(?:^|\r\n)((?:GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH) [^\r\n ]+ HTTP\/1\.1\r\n)/g;
  for (let m = line.exec(text); m !== null; m = line.exec(text)) {
    const start = m.index + m[0].length - m[1]!.length;
    const end = text.indexOf('\r\n\r\n', start);
    heads.push(text.slice(start, end < 0 ? text.length : end).toLowerCase());
  }
  return heads;
}

/** The header names of one head from `requestHeads`, in order. */
export function headerNames(head: string): string[] {
  return head
    .split('\r\n')
    .slice(1)
    .map((l) => l.slice(0, l.indexOf(':')).trim());
}
