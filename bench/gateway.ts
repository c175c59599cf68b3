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
 * Each mode also reports CPU microseconds per request in the load generator, the relay and the
 * target process (gateway or plaintext echo), from /proc over the timed window: on a machine where all
 * three share a few cores, throughput is bounded by their sum, and this says whose cost it is.
 * TACIT_BENCH_PROFILE=DIR makes every server process write a V8 CPU profile there.
 * Writes bench/results/gateway.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { writeFreshStore } from '../gateway/keys/store.ts';
import { decodeResponse } from '../shared/bhttp/index.ts';
import { nodePrimitives } from '../shared/hpke/primitives-node.ts';
import { decodeKeyConfigList, type KeyConfig } from '../shared/keys/index.ts';
import { encapsulateRequest } from '../shared/ohttp/index.ts';
import { echoRequest } from './support/echo-request.ts';
import { numberFlag } from './support/flags.ts';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/tacit.js');

/** Spawns a process and resolves when a stdout JSON line satisfies `ready`. */
function start(
  argv: string[],
  ready: (l: Record<string, unknown>) => boolean,
): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  // TACIT_BENCH_PROFILE=DIR: every server process writes a V8 CPU profile there when it exits.
  const prof = process.env.TACIT_BENCH_PROFILE;
  const flags = prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`];
  const child = spawn(process.execPath, [...flags, ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: root,
  });
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
  /** CPU microseconds per request in each process (load generator, relay, target), timed window only. */
  cpuUs: { loadgen: number; relay: number; target: number };
}

/** CPU time (user + system) of a child process so far, in microseconds, from /proc (Linux). */
function cpuOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the command name; in clock ticks.
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Snapshot of the CPU of the load generator (this process) and two server processes. */
function cpuNow(relay: number, target: number) {
  const u = process.cpuUsage();
  return { loadgen: u.user + u.system, relay: cpuOfPid(relay), target: cpuOfPid(target) };
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
  pids: { relay: number; target: number },
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
  const c0 = cpuNow(pids.relay, pids.target);
  const { latencies, errors } = await run(seconds * 1000, true);
  const c1 = cpuNow(pids.relay, pids.target);
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const per = (a: number, b: number) => Math.round((b - a) / Math.max(1, latencies.length));
  return {
    mode: name,
    requests: latencies.length,
    seconds: Number(elapsed.toFixed(2)),
    rps: Math.round(latencies.length / elapsed),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    errors,
    cpuUs: {
      loadgen: per(c0.loadgen, c1.loadgen),
      relay: per(c0.relay, c1.relay),
      target: per(c0.target, c1.target),
    },
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
    // Weighted by requests: total CPU over total requests.
    cpuUs: {
      loadgen: Math.round(rs.reduce((n, r) => n + r.cpuUs.loadgen * r.requests, 0) / Math.max(1, requests)),
      relay: Math.round(rs.reduce((n, r) => n + r.cpuUs.relay * r.requests, 0) / Math.max(1, requests)),
      target: Math.round(rs.reduce((n, r) => n + r.cpuUs.target * r.requests, 0) / Math.max(1, requests)),
    },
  };
}

const cpuSum = (r: Result): number => r.cpuUs.loadgen + r.cpuUs.relay + r.cpuUs.target;

export async function main(args: string[]): Promise<void> {
  const seconds = numberFlag(args, 'seconds', 6);
  const concurrency = numberFlag(args, 'concurrency', 32);
  const size = numberFlag(args, 'size', 1024);
  const dir = mkdtempSync(join(tmpdir(), 'tacit-bench-'));
  const keysFile = join(dir, 'keys.json');
  await writeFreshStore(keysFile);

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
    const seal = () => encapsulateRequest(config, echoRequest(payload), { primitives: nodePrimitives });
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
    const aheadCount = numberFlag(args, 'ahead', 6000);

    // Rounds alternate the two modes, so that a load spike from elsewhere on the machine hits both
    // alike rather than one of them; the rounds of a mode are then pooled.
    const rounds = numberFlag(args, 'rounds', 2);
    const plainPids = { relay: relay.child.pid!, target: echo.child.pid! };
    const ohttpPids = { relay: relay.child.pid!, target: gw.child.pid! };
    const per: { plain: Result[]; ohttp: Result[]; ahead: Result[] } = { plain: [], ohttp: [], ahead: [] };
    for (let i = 0; i < rounds; i++) {
      per.plain.push(await load('plaintext via relay', plain, concurrency, seconds / rounds, plainPids));
      per.ohttp.push(
        await load(
          'OHTTP via relay + gateway (client crypto inline)',
          ohttp,
          concurrency,
          seconds / rounds,
          ohttpPids,
        ),
      );
      await refill(aheadCount);
      per.ahead.push(
        await load(
          'OHTTP via relay + gateway (sealed ahead)',
          sealedAhead,
          concurrency,
          seconds / rounds,
          ohttpPids,
        ),
      );
    }
    const results = [pool2(per.plain), pool2(per.ohttp), pool2(per.ahead)];
    await pool.close();
    const ratio = results[1]!.rps / results[0]!.rps;
    const ratioAhead = results[2]!.rps / results[0]!.rps;
    const lines = [
      `gateway bench: ${size} B POST, ${concurrency} in flight, ${seconds} s per mode (relay, gateway, echo: separate processes)`,
      '',
      '| mode | req/s | p50 ms | p99 ms | errors | CPU µs/req: loadgen | relay | echo or gateway |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map(
        (r) =>
          `| ${r.mode} | ${r.rps} | ${r.p50ms} | ${r.p99ms} | ${r.errors} | ${r.cpuUs.loadgen} | ${r.cpuUs.relay} | ${r.cpuUs.target} |`,
      ),
      '',
      `OHTTP / plaintext throughput: ${ratio.toFixed(2)} with client crypto inline, ${ratioAhead.toFixed(2)} sealed ahead (goal >= 0.75: OHTTP costs at most 25%)`,
      // All three processes share the same cores, so throughput is bounded by their summed CPU per
      // request; this ratio is that bound, and holds when other work on the machine skews req/s.
      `by CPU per request (loadgen + relay + target): plaintext ${cpuSum(results[0]!)} µs, OHTTP ${cpuSum(results[1]!)} µs inline, ${cpuSum(results[2]!)} µs sealed ahead; ratios ${(cpuSum(results[0]!) / cpuSum(results[1]!)).toFixed(2)} and ${(cpuSum(results[0]!) / cpuSum(results[2]!)).toFixed(2)}`,
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
