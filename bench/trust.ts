/**
 * `npm run bench -- trust [--seconds 3] [--rounds 5] [--concurrency 32] [--size 1024]`
 *
 * What receipts and the transparency log cost per request: requests/s, CPU time per request and
 * p50/p99 latency of a small OHTTP POST to the echo target through two gateways in one run:
 *
 *   plain:    gateway without trust (decapsulate, Binary HTTP, dispatch, seal)
 *   receipts: the same gateway with receipts (salted HMAC commitments, one Ed25519 batch signature
 *             per log write, durable log append (O_DSYNC write, group commit), receipt header) and
 *             its log on local disk
 *
 * Rounds alternate in pairs, the order flipped every pair (plain-receipts, receipts-plain, ...), so a
 * drift in machine load lands on both modes alike. CPU per request is process.cpuUsage (user + system,
 * every thread of this process, so the log's durable writes in the thread pool count) over each timed
 * window, divided by its requests; it includes the load generator, which costs the same in both
 * modes, so `receipts - plain` in microseconds is what a receipt costs. Each pair's ratios are printed
 * too, and their median is the headline: the spread says how much to trust it. The CPU of one Ed25519
 * signature, measured in the same process, is printed beside it, with the receipts each batch
 * signature covered.
 * `loop busy` is the event loop's busy share: under 1.00 in receipts mode means every request in
 * flight was waiting for the log's durable write at some moment (latency, not CPU).
 *
 * The echo target does no inference, so this is the worst case for the overhead: with the built-in
 * model every request costs milliseconds more and the receipt share shrinks. Both gateways run in this
 * process beside the load generator (same cores for both), with traffic shaping off in both (its time
 * grid would otherwise set the pace). Every answer is decrypted and checked
 * (status, echoed body, receipt header present in `receipts` mode), and a sample of receipts is verified
 * in full (signature, commitments, inclusion), so a broken path cannot look fast.
 * Writes bench/results/trust.json.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Pool } from 'undici';
import { createTrustVerifier } from '../client/verify/index.ts';
import { createDevAttester } from '../enclave/attestation/index.ts';
import { buildConfig } from '../gateway/config.ts';
import { writeFreshStore } from '../gateway/keys/store.ts';
import { type RunningGateway, startGateway } from '../gateway/server.ts';
import type { GatewayTrust } from '../gateway/trust/wire.ts';
import { decodeRequest, decodeResponse } from '../shared/bhttp/index.ts';
import { nodePrimitives } from '../shared/hpke/primitives-node.ts';
import { decodeKeyConfigList } from '../shared/keys/index.ts';
import { encapsulateRequest } from '../shared/ohttp/index.ts';
import { RECEIPT_FIELD } from '../shared/receipt/field.ts';
import { echoRequest } from './support/echo-request.ts';
import { numberFlag } from './support/flags.ts';

interface Round {
  mode: string;
  requests: number;
  seconds: number;
  /** Process CPU (user + system, all threads) over the timed window, microseconds. */
  cpuMicros: number;
  /** The system (kernel) part of it: mostly the log's durable writes in receipts mode. */
  sysMicros: number;
  /** Share of the window the event loop was busy (performance.eventLoopUtilization). */
  loopBusy: number;
  latencies: number[];
}

async function round(
  mode: string,
  gw: RunningGateway,
  seconds: number,
  concurrency: number,
  payload: Uint8Array,
  sample: (req: Uint8Array, field: string | undefined, body: Uint8Array) => void,
): Promise<Round> {
  const pool = new Pool(gw.url, { connections: concurrency, pipelining: 1 });
  const keys = decodeKeyConfigList(new Uint8Array(await (await fetch(`${gw.url}/ohttp-keys`)).arrayBuffer()));
  const one = async () => {
    const bhttp = echoRequest(payload);
    const sealed = await encapsulateRequest(keys[0]!, bhttp, { primitives: nodePrimitives });
    const res = await pool.request({
      method: 'POST',
      path: '/gateway',
      headers: { 'content-type': 'message/ohttp-req' },
      body: sealed.encapsulatedRequest,
    });
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    const inner = decodeResponse(await sealed.openResponse(bytes));
    if (inner.status !== 200 || inner.content.length !== payload.length)
      throw new Error(`${mode}: bad answer ${inner.status}`);
    const field = inner.headers.find(([n]) => n === RECEIPT_FIELD)?.[1];
    if (mode === 'receipts' && field === undefined) throw new Error('receipts: answer without a receipt');
    sample(bhttp, field, inner.content);
  };
  // Warm-up by count (a JIT needs requests, not seconds), then the timed window.
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < 50; i++) await one();
    }),
  );
  const latencies: number[] = [];
  let requests = 0;
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await one();
        latencies.push(performance.now() - t);
        requests++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const loopBusy = performance.eventLoopUtilization(elu).utilization;
  await pool.close();
  return {
    mode,
    requests,
    seconds: elapsed,
    cpuMicros: used.user + used.system,
    sysMicros: used.system,
    loopBusy,
    latencies,
  };
}

/**
 * CPU microseconds of one Ed25519 signature over a receipt-sized message, made the way the issuer
 * makes it (node:crypto sign with a KeyObject): what each receipt cost before batch signatures, and
 * what one batch costs now (shared/receipt/batch.ts).
 */
function ed25519Micros(): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(480, 0x61);
  for (let i = 0; i < 300; i++) sign(null, message, privateKey);
  const n = 3000;
  const c = process.cpuUsage();
  for (let i = 0; i < n; i++) sign(null, message, privateKey);
  const used = process.cpuUsage(c);
  return (used.user + used.system) / n;
}

/**
 * CPU microseconds per receipt of the trust layer alone, as the request handler drives it
 * (`whole` on the decrypted request, `finish` on the answer: commitments, signature, durable log
 * append), `concurrency` at a time so group commit batches as under load, with no HTTP, HPKE or load
 * generator around it. Its ratio to `ed25519Micros` says how much is more than the signature.
 */
async function receiptPathMicros(trust: GatewayTrust, payload: Uint8Array, concurrency: number) {
  const bytes = echoRequest(payload);
  const head = decodeRequest(bytes);
  const run = async (n: number) => {
    let left = n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) {
          const r = trust.whole(bytes, head, head.content);
          const field = await r.finish(
            'builtin',
            'https://tacit.local/echo',
            'application/octet-stream',
            payload,
          );
          if (field === null) throw new Error('receipt path: no receipt');
        }
      }),
    );
  };
  await run(1000);
  const n = 5000;
  const c = process.cpuUsage();
  await run(n);
  const used = process.cpuUsage(c);
  return (used.user + used.system) / n;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

export async function main(args: string[]): Promise<void> {
  const seconds = numberFlag(args, 'seconds', 3);
  const rounds = numberFlag(args, 'rounds', 5);
  const concurrency = numberFlag(args, 'concurrency', 32);
  const size = numberFlag(args, 'size', 1024);
  const dir = mkdtempSync(join(tmpdir(), 'tacit-bench-trust-'));
  const keysFile = join(dir, 'keys.json');
  await writeFreshStore(keysFile);
  const { config, errors } = buildConfig(
    ['--keys', keysFile, '--model', 'echo', '--port', '0', '--max-concurrent', '1024', '--shaping', 'off'],
    {},
  );
  if (config === null) throw new Error(errors.join('; '));
  const silent = pino({ level: 'silent' });
  const attester = await createDevAttester({
    measurement: 'ab'.repeat(32),
    platformKey: new Uint8Array(32).fill(1),
  });
  const plain = await startGateway({ config, log: silent });
  const trusted = await startGateway({ config, log: silent, trust: { dir: join(dir, 'trust'), attester } });
  const payload = new Uint8Array(size).fill(0x61);

  // A sample of receipts is verified in full after the run.
  const samples: { req: Uint8Array; field: string; body: Uint8Array }[] = [];
  const keep = (req: Uint8Array, field: string | undefined, body: Uint8Array) => {
    if (field !== undefined && samples.length < 20 && Math.random() < 0.01)
      samples.push({ req, field, body });
  };
  const results: Round[] = [];
  const log = () => trusted.gateway.deps.trust!.trust.log;
  const run = (mode: 'plain' | 'receipts') =>
    round(mode, mode === 'plain' ? plain : trusted, seconds, concurrency, payload, keep);
  try {
    for (let r = 0; r < rounds; r++) {
      const [first, second] =
        r % 2 === 0 ? (['plain', 'receipts'] as const) : (['receipts', 'plain'] as const);
      results.push(await run(first), await run(second));
    }
    const v = createTrustVerifier(
      {
        attestation: `${trusted.url}/attestation`,
        log: `${trusted.url}/log/`,
        provider: 'dev',
        devPlatformKey: attester.platformPublicKey,
      },
      fetch,
    );
    const follower = (await v.log())!;
    for (const s of samples) await follower.proveInclusion(await v.checkReceipt(s.field, s.req, s.body));
    const logSize = log().size;
    const syncs = log().syncs;
    const signatures = trusted.gateway.deps.trust!.trust.issuer.signatures;

    const summary = (rs: readonly Round[]) => {
      const requests = rs.reduce((a, x) => a + x.requests, 0);
      const secs = rs.reduce((a, x) => a + x.seconds, 0);
      const cpu = rs.reduce((a, x) => a + x.cpuMicros, 0);
      const sys = rs.reduce((a, x) => a + x.sysMicros, 0);
      return {
        requests,
        perSecond: requests / secs,
        cpuPerRequest: cpu / requests,
        sysPerRequest: sys / requests,
      };
    };
    const table = ['plain', 'receipts'].map((mode) => {
      const rs = results.filter((x) => x.mode === mode);
      const s = summary(rs);
      const lat = rs.flatMap((x) => x.latencies).sort((a, b) => a - b);
      return {
        mode,
        requests: s.requests,
        'req/s': Math.round(s.perSecond),
        'cpu µs/req': Math.round(s.cpuPerRequest),
        'of it sys': Math.round(s.sysPerRequest),
        p50ms: Number(pct(lat, 50).toFixed(2)),
        p99ms: Number(pct(lat, 99).toFixed(2)),
      };
    });
    const [p, t] = [
      summary(results.filter((x) => x.mode === 'plain')),
      summary(results.filter((x) => x.mode === 'receipts')),
    ];
    const ratio = t.perSecond / p.perSecond;
    const cpuRatio = t.cpuPerRequest / p.cpuPerRequest;
    const receiptMicros = t.cpuPerRequest - p.cpuPerRequest;
    // Each pair's own ratios: their spread is the noise of this run, and their median is the
    // headline, since one round disturbed by other work on a shared machine moves a total but not a
    // median.
    const pairs = Array.from({ length: rounds }, (_, r) => {
      const pair = results.slice(2 * r, 2 * r + 2);
      const [pp, tt] = [pair.find((x) => x.mode === 'plain')!, pair.find((x) => x.mode === 'receipts')!];
      return {
        'req/s ratio': Number((tt.requests / tt.seconds / (pp.requests / pp.seconds)).toFixed(3)),
        'cpu/req ratio': Number((tt.cpuMicros / tt.requests / (pp.cpuMicros / pp.requests)).toFixed(3)),
        'receipt µs': Math.round(tt.cpuMicros / tt.requests - pp.cpuMicros / pp.requests),
        'loop busy plain/receipts': `${pp.loopBusy.toFixed(2)}/${tt.loopBusy.toFixed(2)}`,
      };
    });
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    const med = {
      ratio: median(pairs.map((x) => x['req/s ratio'])),
      cpuRatio: median(pairs.map((x) => x['cpu/req ratio'])),
      receiptMicros: median(pairs.map((x) => x['receipt µs'])),
    };
    const signMicros = ed25519Micros();
    const pathMicros = await receiptPathMicros(trusted.gateway.deps.trust!, payload, concurrency);
    console.table(table);
    console.table(pairs);
    console.log(
      `receipts/plain, median of ${rounds} pairs: ${med.ratio.toFixed(3)} requests/s ` +
        `(${((1 - med.ratio) * 100).toFixed(1)}% fewer; goal: at most 10%), ${med.cpuRatio.toFixed(3)} CPU per request, ` +
        `+${Math.round(med.receiptMicros)} µs CPU per receipt (load generator included in both modes)`,
    );
    console.log(
      `receipts/plain, all rounds together: ${ratio.toFixed(3)} requests/s, ${cpuRatio.toFixed(3)} CPU per request, ` +
        `+${Math.round(receiptMicros)} µs per receipt`,
    );
    console.log(
      `receipt path alone (whole + finish, ${concurrency} in flight, no HTTP): ${pathMicros.toFixed(1)} µs CPU per receipt; ` +
        `one Ed25519 signature alone (node:crypto, this process): ${signMicros.toFixed(1)} µs, shared by a batch`,
    );
    console.log(
      `log: ${logSize} entries in ${syncs} syncs (${(logSize / Math.max(1, syncs)).toFixed(1)} per sync), ` +
        `signed with ${signatures} batch signatures (${(logSize / Math.max(1, signatures)).toFixed(1)} receipts each); ` +
        `${samples.length} sampled receipts verified in full with inclusion proofs`,
    );
    const out = new URL('./results/', import.meta.url).pathname;
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'trust.json'),
      `${JSON.stringify({ date: new Date().toISOString(), seconds, rounds, concurrency, size, table, pairs, median: med, ratio, cpuRatio, receiptMicros, signMicros, pathMicros, logSize, syncs, signatures, verifiedSamples: samples.length }, null, 2)}\n`,
    );
  } finally {
    await plain.close();
    await trusted.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
