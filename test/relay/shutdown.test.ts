/**
 * `tacit relay` as its own process: it starts from flags, and on SIGTERM stops accepting, lets an
 * open stream finish, and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { deferred, GatewayStandIn } from './support/gateway-standin.ts';
import { agentFrom, closeAgents } from './support/harness.ts';

const bin = new URL('../../bin/tacit.js', import.meta.url).pathname;
afterAll(() => closeAgents());

function startRelayProcess(args: string[]): Promise<{ child: ChildProcess; port: number; lines: string[] }> {
  const child = spawn(process.execPath, [bin, 'relay', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const msg = JSON.parse(line) as { msg?: string; port?: number };
      if (msg.msg === 'relay listening') resolve({ child, port: msg.port!, lines });
    });
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('tacit relay process', () => {
  it('finishes an open stream after SIGTERM, refuses new connections, and exits 0', async () => {
    const gw = await GatewayStandIn.start();
    const release = deferred();
    gw.behaviour = {
      kind: 'stream',
      pieces: [Buffer.from('first'), Buffer.from('last')],
      gate: () => release.promise,
    };
    const { child, port, lines } = await startRelayProcess([
      '--port',
      '0',
      '--gateway',
      gw.url,
      '--shutdown-timeout',
      '20000',
    ]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const r = await request(`http://127.0.0.1:${port}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'message/ohttp-chunked-req' },
      body: 'req',
      dispatcher: agentFrom(),
    });
    const it = r.body[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Buffer).toString()).toBe('first');
    child.kill('SIGTERM');
    let closed = false;
    for (let i = 0; i < 200 && !closed; i++) {
      closed = await refused(port);
      if (!closed) await new Promise((res) => setTimeout(res, 10));
    }
    expect(closed).toBe(true);
    release.resolve();
    const rest: Buffer[] = [];
    for (let n = await it.next(); !n.done; n = await it.next()) rest.push(n.value as Buffer);
    expect(Buffer.concat(rest).toString()).toBe('last');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.includes('relay stopped'))).toBe(true);
    await gw.close();
  });
});
