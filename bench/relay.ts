/**
 * `npm run bench -- relay [--duration S] [--connections N] [--size BYTES]`
 *
 * Requests/s and p50/p99 latency of 1 KiB `message/ohttp-req` POSTs over loopback, in one run:
 *   (a) client -> gateway stand-in directly (the floor),
 *   (b) client -> relay -> gateway (the direct node:http path, as shipped),
 *   (b') the same relay with the POST route going through hono (what the direct path saves),
 *   (c) client -> nginx reverse proxy -> gateway (the named baseline; installed with apt-get when
 *       missing, skipped with a message if that fails).
 * The proxy under test (relay or nginx) is held to core 0 with taskset; the load generator and the
 * gateway stand-in run in their own processes on the other cores. Each child is this same file run
 * with a role (`__gateway`, `__relay`, `__load`), so the whole benchmark is one file. Every phase is
 * bounded in time; results go to bench/results/relay-<time>.json.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';

const self = fileURLToPath(import.meta.url);

interface LoadResult {
  name: string;
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
  /** Requests in the measured phase (the same as the latency samples), for the CPU cost per request. */
  total: number;
  /** CPU time the proxy process spent per request (µs), from /proc; robust when the machine is busy. */
  proxyCpuUsPerRequest?: number;
}

function flag(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : def;
}

/** Runs `node --import tsx <this file> <role> ...` pinned to `cores`; `next()` gives its next JSON line. */
function spawnRole(role: string, args: string[], cores: string | undefined) {
  const node = [process.execPath, '--import', 'tsx', self, role, ...args];
  const cmd = cores === undefined ? node : ['taskset', '-c', cores, ...node];
  const p = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  let exited = false;
  p.once('exit', () => {
    exited = true;
  });
  const next = async (): Promise<unknown> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${role}: no answer in 120 s`)), 120_000);
    });
    try {
      const r = await Promise.race([lines.next(), timeout]);
      if (r.done || exited) throw new Error(`${role} exited`);
      return JSON.parse(r.value) as unknown;
    } finally {
      clearTimeout(timer);
    }
  };
  return { p, next };
}

async function child(role: string, args: string[], cores: string | undefined) {
  const c = spawnRole(role, args, cores);
  return { p: c.p, first: await c.next() };
}

async function load(
  name: string,
  url: string,
  o: Opts,
  cores: string | undefined,
  proxyPid?: number,
): Promise<LoadResult> {
  const args = [url, String(o.duration), String(o.connections), String(o.size), name];
  const c = spawnRole('__load', args, cores);
  await c.next(); // warmed up: the measured phase starts now
  const cpu0 = proxyPid === undefined ? 0 : cpuSeconds(proxyPid);
  const r = (await c.next()) as LoadResult;
  if (proxyPid !== undefined) r.proxyCpuUsPerRequest = ((cpuSeconds(proxyPid) - cpu0) * 1e6) / r.total;
  c.p.kill();
  return r;
}

/** utime + stime of a process (proc(5): fields 14 and 15, in clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Opts {
  duration: number;
  connections: number;
  size: number;
}

function ensureNginx(): string | undefined {
  const find = () => {
    try {
      return execSync('command -v nginx || ls /usr/sbin/nginx 2>/dev/null', {
        encoding: 'utf8',
        shell: '/bin/sh',
      })
        .trim()
        .split('\n')[0];
    } catch {
      return undefined;
    }
  };
  let bin = find();
  if (bin !== undefined && bin !== '') return bin;
  process.stdout.write('nginx not found: apt-get update && apt-get install -y nginx ...\n');
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx', {
      stdio: 'ignore',
      timeout: 300_000,
    });
  } catch {
    return undefined;
  }
  bin = find();
  return bin === '' ? undefined : bin;
}

async function startNginx(bin: string, gatewayPort: number, cores: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-nginx-'));
  const port = await freePort();
  const conf = `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream gateway { server 127.0.0.1:${gatewayPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /relay {
      proxy_pass http://gateway/gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const cmd = [bin, '-p', dir, '-c', join(dir, 'nginx.conf')];
  const full = cores === undefined ? cmd : ['taskset', '-c', cores, ...cmd];
  const p = spawn(full[0]!, full.slice(1), { stdio: 'inherit' });
  // Ready when it accepts a request.
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/relay`, {
        method: 'POST',
        body: 'x',
        headers: { 'content-type': 'message/ohttp-req' },
      });
      await r.arrayBuffer();
      break;
    } catch {
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  return { p, url: `http://127.0.0.1:${port}/relay` };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function main(args: string[]): Promise<void> {
  const o: Opts = {
    duration: flag(args, 'duration', 8),
    connections: flag(args, 'connections', 64),
    size: flag(args, 'size', 1024),
  };
  const n = availableParallelism();
  const proxyCore = n >= 2 ? '0' : undefined;
  const otherCores = n >= 2 ? `1-${n - 1}` : undefined;
  process.stdout.write(
    `relay bench: ${o.size} B bodies, ${o.connections} connections, ${o.duration} s each, ${n} cores ` +
      `(proxy on core ${proxyCore ?? 'any'}, load and gateway on ${otherCores ?? 'any'})\n`,
  );
  const nginxBin = ensureNginx();
  const gw = await child('__gateway', [String(o.size)], otherCores);
  const gwUrl = `http://127.0.0.1:${(gw.first as { port: number }).port}/gateway`;
  const results: LoadResult[] = [];
  const kill: ChildProcess[] = [gw.p];
  try {
    results.push(await load('direct', gwUrl, o, otherCores));
    for (const mode of ['direct-path', 'hono-only']) {
      const relay = await child('__relay', [gwUrl, mode], proxyCore);
      kill.push(relay.p);
      const url = `http://127.0.0.1:${(relay.first as { port: number }).port}/relay`;
      const name = mode === 'direct-path' ? 'relay' : 'relay (hono route)';
      results.push(await load(name, url, o, otherCores, relay.p.pid));
      relay.p.kill();
    }
    if (nginxBin === undefined)
      process.stdout.write('nginx: could not be installed, skipping the nginx baseline\n');
    else {
      const ng = await startNginx(nginxBin, (gw.first as { port: number }).port, proxyCore);
      kill.push(ng.p);
      results.push(await load('nginx', ng.url, o, otherCores, ng.p.pid));
      ng.p.kill();
    }
  } finally {
    for (const p of kill) p.kill();
  }
  report(results, o);
}

function report(results: LoadResult[], o: Opts): void {
  const by = (name: string) => results.find((r) => r.name === name);
  const direct = by('direct');
  const lines = [
    '',
    'scenario              req/s     p50 ms   p99 ms   p99 added ms   proxy CPU µs/req   errors',
  ];
  for (const r of results) {
    const added = direct === undefined || r === direct ? '' : (r.p99ms - direct.p99ms).toFixed(2);
    lines.push(
      `${r.name.padEnd(20)} ${r.rps.toFixed(0).padStart(7)}   ${r.p50ms.toFixed(2).padStart(6)}   ${r.p99ms
        .toFixed(2)
        .padStart(
          6,
        )}   ${added.padStart(12)}   ${(r.proxyCpuUsPerRequest?.toFixed(1) ?? '').padStart(16)}   ${
        r.errors + r.non2xx
      }`,
    );
  }
  const relay = by('relay');
  const nginx = by('nginx');
  const ratios: Record<string, number> = {};
  if (relay !== undefined && nginx !== undefined) {
    ratios['relay/nginx'] = relay.rps / nginx.rps;
    // The same comparison by CPU cost: what one core could sustain, whatever else the machine runs.
    if (relay.proxyCpuUsPerRequest !== undefined && nginx.proxyCpuUsPerRequest !== undefined) {
      ratios['relay/nginx by CPU cost'] = nginx.proxyCpuUsPerRequest / relay.proxyCpuUsPerRequest;
    }
  }
  if (relay !== undefined && direct !== undefined) ratios['relay/direct'] = relay.rps / direct.rps;
  const hono = by('relay (hono route)');
  if (relay !== undefined && hono !== undefined) ratios['relay/hono-route'] = relay.rps / hono.rps;
  lines.push('', ...Object.entries(ratios).map(([k, v]) => `${k.padEnd(24)} ${v.toFixed(2)}`));
  if (ratios['relay/nginx'] !== undefined && relay !== undefined && direct !== undefined) {
    const ok = ratios['relay/nginx'] >= 0.35 && relay.p99ms - direct.p99ms < 3;
    lines.push(`goal (>= 0.35 of nginx, p99 added < 3 ms): ${ok ? 'met' : 'not met'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `relay-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ bench: 'relay', options: o, results, ratios }, null, 2));
  process.stdout.write(`wrote ${file}\n`);
}

// ---- child roles ----

async function gatewayRole(size: number): Promise<void> {
  const answer = Buffer.alloc(size, 0x5a);
  const s = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'message/ohttp-res', 'content-length': answer.length });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  process.stdout.write(`${JSON.stringify({ port: (s.address() as AddressInfo).port })}\n`);
}

async function relayRole(gatewayUrl: string, mode: string): Promise<void> {
  const { buildRelayConfig } = await import('../relay/config.ts');
  const { startRelay } = await import('../relay/server.ts');
  const config = buildRelayConfig({
    // The rate limiter stays on (its cost is part of the path) but never refuses the one load client.
    argv: ['--port', '0', '--gateway', gatewayUrl, '--rate', '1000000000', '--burst', '1000000000'],
  });
  const pino = (await import('pino')).default;
  const relay = await startRelay(config, { logger: pino({ level: 'warn' }), honoOnly: mode === 'hono-only' });
  process.stdout.write(`${JSON.stringify({ port: relay.port })}\n`);
  // Exit normally on a signal, so that `node --cpu-prof` can write its profile.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(0));
}

async function loadRole(url: string, duration: number, connections: number, size: number, name: string) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1 });
  const body = Buffer.alloc(size, 0x42);
  const lat: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let recording = false;
  // Warm-up: at least 1 s and 5,000 requests (a JIT needs requests, not seconds, to settle), at
  // most 30 s. Only the measured phase is recorded; `total` counts it too, for the CPU per request.
  const started = performance.now();
  let warm = 0;
  let end = Number.POSITIVE_INFINITY;
  let total = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await pool.request({
          path: u.pathname,
          method: 'POST',
          headers: { 'content-type': 'message/ohttp-req' },
          body,
        });
        await r.body.arrayBuffer();
        if (r.statusCode !== 200) non2xx++;
      } catch {
        errors++;
      }
      if (recording) {
        total++;
        lat.push(performance.now() - t0);
      } else if ((++warm >= 5_000 && t0 - started >= 1_000) || t0 - started >= 30_000) {
        recording = true;
        end = performance.now() + duration * 1000;
        errors = 0;
        non2xx = 0;
        process.stdout.write('{"phase":"measuring"}\n');
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = duration;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  const result: LoadResult = {
    name,
    requests: lat.length,
    seconds,
    rps: lat.length / seconds,
    p50ms: q(0.5),
    p99ms: q(0.99),
    errors,
    non2xx,
    total,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await pool.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [role, ...a] = process.argv.slice(2);
  if (role === '__gateway') await gatewayRole(Number(a[0]));
  else if (role === '__relay') await relayRole(a[0]!, a[1]!);
  else if (role === '__load') await loadRole(a[0]!, Number(a[1]), Number(a[2]), Number(a[3]), a[4]!);
}
