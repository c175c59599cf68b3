/**
 * `npm run bench -- gateway [--seconds 6] [--rounds 2] [--concurrency 32] [--size 1024] [--ahead 6000]`
 *
 * What OHTTP costs: requests/s and p50/p99 latency of a small POST through relay + gateway to an echo
 * target, against the same echo target reached in plaintext through the same relay path, in one run.
 *
 *   ohttp:  loadgen (encapsulate, open) -> relay -> gateway (decapsulate, Binary HTTP, replay check,
 *           dispatch to the echo target in-process, seal) -> loadgen
 *   plain:  loadgen -> relay -> the echo target served on its own socket -> loadgen
 *
 * The relay, the gateway and the plaintext echo server are separate processes (`tacit relay`,
 * `tacit gateway --model echo`, and the same echo app on @hono/node-server); the load generator
 * keeps `concurrency` requests in flight over undici for `seconds` per mode, split into alternating
 * rounds, each after a 1 s warm-up.
 * Every answer is checked (the echo must match), so a broken path cannot look fast. OHTTP runs
 * twice: with the client's encapsulation inline in the load generator (it competes for the same
 * cores), and with every request sealed just before the timed window (fresh enc and Date each,
 * as if the clients were other machines), which measures relay + gateway alone.
 * Writes bench/results/gateway.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { emptyStore, generateKey, writeStore } from '../gateway/keys/store.ts';
import { decodeResponse, encodeRequest } from '../shared/bhttp/index.ts';
import { nodePrimitives } from '../shared/hpke/primitives-node.ts';
import { decodeKeyConfigList, type KeyConfig } from '../shared/keys/index.ts';
import { encapsulateRequest } from '../shared/ohttp/index.ts';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/tacit.js');

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
}

/** Spawns a process and resolves when a stdout JSON line satisfies `ready`. */
function start(
  argv: string[],
  ready: (l: Record<string, unknown>) => boolean,
): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${argv.join(' ')}`)), 30_000);
    child.stdout!.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const l = JSON.parse(text) as Record<string, unknown>;
          if (ready(l)) {
            clearTimeout(timer);
            child.stdout!.resume();
            resolve({ child, line: l });
          }
        } catch {
          // not a log line
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${argv.join(' ')}`)));
  });
}

const ECHO_SERVER = `
import { serve } from '@hono/node-server';
import { createEchoApp } from './gateway/echo-target.ts';
const s = serve({ fetch: createEchoApp().app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
  console.log(JSON.stringify({ msg: 'echo listening', port: info.port })));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;

interface Result {
  mode: string;
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `once` sends one request; it resolves false when it has nothing left to send (a sealed-ahead pool ran dry). */
async function load(
  name: string,
  once: () => Promise<boolean>,
  concurrency: number,
  seconds: number,
): Promise<Result> {
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          try {
            if ((await once()) === false) break;
            if (record) latencies.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      }),
    );
    return { latencies, errors };
  };
  await run(1000, false);
  const t0 = performance.now();
  const { latencies, errors } = await run(seconds * 1000, true);
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mode: name,
    requests: latencies.length,
    seconds: Number(elapsed.toFixed(2)),
    rps: Math.round(latencies.length / elapsed),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    errors,
  };
}

/** Pools rounds of one mode: total requests over total time; latency percentiles as the worst round's. */
function pool2(rs: Result[]): Result {
  const requests = rs.reduce((n, r) => n + r.requests, 0);
  const secs = rs.reduce((n, r) => n + r.seconds, 0);
  return {
    mode: rs[0]!.mode,
    requests,
    seconds: Number(secs.toFixed(2)),
    rps: Math.round(requests / secs),
    p50ms: Math.max(...rs.map((r) => r.p50ms)),
    p99ms: Math.max(...rs.map((r) => r.p99ms)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
  };
}

export async function main(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 6);
  const concurrency = arg(args, 'concurrency', 32);
  const size = arg(args, 'size', 1024);
  const dir = mkdtempSync(join(tmpdir(), 'tacit-bench-'));
  const keysFile = join(dir, 'keys.json');
  const store = emptyStore();
  store.keys.push(await generateKey({ keyId: 1 }));
  writeStore(keysFile, store);

  const procs: ChildProcess[] = [];
  try {
    const echo = await start(
      ['--import', 'tsx', '--input-type=module', '-e', ECHO_SERVER],
      (l) => l.msg === 'echo listening',
    );
    procs.push(echo.child);
    const gw = await start(
      [
        bin,
        'gateway',
        '--port',
        '0',
        '--keys',
        keysFile,
        '--model',
        'echo',
        '--max-concurrent',
        '4096',
        // This bench measures what OHTTP costs; shaping's cost (grid, cells) is bench/leakage's.
        '--shaping',
        'off',
        '--log-level',
        'info',
      ],
      (l) => l.msg === 'gateway listening',
    );
    procs.push(gw.child);
    const relay = await start(
      [
        bin,
        'relay',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--gateway',
        `ohttp=${gw.line.url as string}/gateway`,
        '--gateway',
        `plain=http://127.0.0.1:${echo.line.port as number}/echo`,
        '--rate',
        '0',
        '--max-concurrent',
        '4096',
        '--log-level',
        'info',
      ],
      (l) => l.msg === 'relay listening',
    );
    procs.push(relay.child);
    const relayOrigin = `http://127.0.0.1:${relay.line.port as number}`;
    const pool = new Pool(relayOrigin, { connections: concurrency, pipelining: 1 });

    const keysRes = await pool.request({ path: '/relay/ohttp/ohttp-keys', method: 'GET' });
    const config: KeyConfig = decodeKeyConfigList(new Uint8Array(await keysRes.body.arrayBuffer()))[0]!;
    const payload = randomBytes(size);

    const plain = async () => {
      const r = await pool.request({
        path: '/relay/plain',
        method: 'POST',
        headers: { 'content-type': 'message/ohttp-req' },
        body: payload,
      });
      const got = Buffer.from(await r.body.arrayBuffer());
      if (r.statusCode !== 200 || !got.equals(payload)) throw new Error('bad plain echo');
      return true;
    };
    const seal = () =>
      encapsulateRequest(
        config,
        encodeRequest({
          method: 'POST',
          scheme: 'https',
          authority: 'tacit.local',
          path: '/echo',
          headers: [
            ['content-type', 'application/octet-stream'],
            ['date', new Date().toUTCString()],
          ],
          content: payload,
        }),
        { primitives: nodePrimitives },
      );
    const exchange = async (req: Awaited<ReturnType<typeof seal>>) => {
      const r = await pool.request({
        path: '/relay/ohttp',
        method: 'POST',
        headers: { 'content-type': 'message/ohttp-req' },
        body: req.encapsulatedRequest,
      });
      const body = new Uint8Array(await r.body.arrayBuffer());
      if (r.statusCode !== 200) throw new Error(`outer ${r.statusCode}`);
      const inner = decodeResponse(await req.openResponse(body));
      if (inner.status !== 200 || !Buffer.from(inner.content).equals(payload))
        throw new Error('bad ohttp echo');
    };
    // Client crypto inline: what one machine doing everything sustains.
    const ohttp = async () => {
      await exchange(await seal());
      return true;
    };
    // Sealed ahead: each request is still fresh (its own enc, a current Date), but encapsulated
    // before the timed window, as if clients ran elsewhere; measures relay + gateway alone.
    let ahead: Awaited<ReturnType<typeof seal>>[] = [];
    const refill = async (n: number) => {
      ahead = [];
      for (let i = 0; i < n; i++) ahead.push(await seal());
    };
    const sealedAhead = async () => {
      const req = ahead.pop();
      if (req === undefined) return false;
      await exchange(req);
      return true;
    };
    const aheadCount = arg(args, 'ahead', 6000);

    // Rounds alternate the two modes, so that a load spike from elsewhere on the machine hits both
    // alike rather than one of them; the rounds of a mode are then pooled.
    const rounds = arg(args, 'rounds', 2);
    const per: { plain: Result[]; ohttp: Result[]; ahead: Result[] } = { plain: [], ohttp: [], ahead: [] };
    for (let i = 0; i < rounds; i++) {
      per.plain.push(await load('plaintext via relay', plain, concurrency, seconds / rounds));
      per.ohttp.push(
        await load('OHTTP via relay + gateway (client crypto inline)', ohttp, concurrency, seconds / rounds),
      );
      await refill(aheadCount);
      per.ahead.push(
        await load('OHTTP via relay + gateway (sealed ahead)', sealedAhead, concurrency, seconds / rounds),
      );
    }
    const results = [pool2(per.plain), pool2(per.ohttp), pool2(per.ahead)];
    await pool.close();
    const ratio = results[1]!.rps / results[0]!.rps;
    const ratioAhead = results[2]!.rps / results[0]!.rps;
    const lines = [
      `gateway bench: ${size} B POST, ${concurrency} in flight, ${seconds} s per mode (relay, gateway, echo: separate processes)`,
      '',
      '| mode | req/s | p50 ms | p99 ms | errors |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.mode} | ${r.rps} | ${r.p50ms} | ${r.p99ms} | ${r.errors} |`),
      '',
      `OHTTP / plaintext throughput: ${ratio.toFixed(2)} with client crypto inline, ${ratioAhead.toFixed(2)} sealed ahead (goal >= 0.75: OHTTP costs at most 25%)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const out = join(root, 'bench/results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'gateway.json'),
      `${JSON.stringify({ size, concurrency, seconds, results, ratio, ratioAhead }, null, 2)}\n`,
    );
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
  }
}
