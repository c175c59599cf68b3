/**
 * `npm run bench -- engine [--quick] [--threads N]`: the paged-KV engine against a contiguous baseline
 * (the same engine reserving maxContext tokens of blocks per sequence at admission, as a server with
 * a dense per-sequence KV cache must), on the same arrival trace and the same KV memory budget.
 *
 *   1. decode: tiny model, one thread, 16 sequences at 1k context, aggregate tokens/s (the median
 *      of three runs);
 *   2. restore: a paused 2k-token session brought back from host memory / encrypted disk vs
 *      recomputing its prompt;
 *   3. chat trace: Poisson arrivals of single-turn requests (a shared public system prompt on half);
 *   4. agent trace: multi-turn sessions with tool pauses of 1-30 s (compressed in time), paused
 *      between turns so that their KV can be offloaded.
 * Prints every ratio against its goal and writes bench/results/engine.json.
 * `--only chat` (or decode, restore, agent) runs one part, prints its table and writes no JSON.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EngineCore } from '../enclave/engine/core.ts';
import { createEngine } from '../enclave/engine/engine.ts';
import { bytesPerBlock } from '../enclave/engine/kv-memory.ts';
import { OnnxRunner } from '../enclave/engine/onnx-runner.ts';
import { Prng } from '../enclave/engine/sampler.ts';
import type { Engine, GenerationEvent, SamplingParams } from '../enclave/engine/types.ts';
import { loadModel } from '../enclave/model/index.ts';

const greedy = (maxTokens: number): SamplingParams => ({
  temperature: 0,
  topK: 0,
  topP: 1,
  maxTokens,
  stop: [],
});
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

function tokens(rng: Prng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32() % 256);
}
function uniform(rng: Prng, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

// --- 1. decode throughput --------------------------------------------------------------------------

/** Decode runs of a full bench (see main). */
const DECODE_RUNS = 3;

async function decodeBench(runner: OnnxRunner, steps: number): Promise<Record<string, number>> {
  const core = new EngineCore(runner, {
    kvMemoryBytes: 16 * 70 * bytesPerBlock(runner.shape),
    plan: {
      tokenBudget: 2048,
      prefillChunk: 256,
      maxBatch: 64,
      prefillFloor: 32,
      bucketFloor: 128,
      mixedPrefill: 2048,
      mixedPerDecode: 0,
    },
  });
  const rng = new Prng(1);
  const firsts: number[] = [];
  const lasts: number[] = [];
  let decoded = 0;
  for (let i = 0; i < 16; i++) {
    let first = 0;
    core.submit(i + 1, { promptTokens: tokens(rng, 1024), sampling: greedy(steps + 1) }, (ev) => {
      if (ev.type !== 'token') return;
      if (first === 0) {
        first = ev.at!;
        firsts.push(first);
      } else decoded++;
      lasts[i] = ev.at!;
    });
  }
  const t0 = now();
  let cpuDecode = 0;
  while (core.hasWork()) {
    // CPU time of decode steps only (every sequence past its first token): this machine is shared,
    // so wall-clock rates understate the engine; CPU seconds do not.
    const decoding = firsts.length === 16;
    const c0 = process.cpuUsage();
    await core.step();
    const c = process.cpuUsage(c0);
    if (decoding) cpuDecode += (c.user + c.system) / 1e6;
  }
  const total = now() - t0;
  // The decode window: from the last sequence's first token to the end (prefill excluded).
  const window = (Math.max(...lasts) - Math.max(...firsts)) / 1000;
  core.close();
  return {
    sequences: 16,
    context: 1024,
    decodedTokens: decoded,
    seconds: r2(window),
    tokensPerSecond: r1(decoded / window),
    cpuSeconds: r2(cpuDecode),
    tokensPerCpuSecond: r1(decoded / cpuDecode),
    wallSeconds: r2(total / 1000),
  };
}

// --- 2. restore vs recompute -----------------------------------------------------------------------

async function restoreBench(runner: OnnxRunner, context: number): Promise<Record<string, number>> {
  const prompt = tokens(new Prng(2), context);
  const ttft = async (
    core: EngineCore,
    id: number,
    promptTokens: number[],
    sessionId?: string,
  ): Promise<number> => {
    let first = 0;
    const t0 = now();
    core.submit(
      id,
      { promptTokens, sampling: greedy(1), cacheSalt: `s${id}`, ...(sessionId ? { sessionId } : {}) },
      (ev) => {
        if (ev.type === 'token' && first === 0) first = now();
      },
    );
    while (core.hasWork()) await core.step();
    return first - t0;
  };
  const out: Record<string, number> = { contextTokens: context };
  for (const tier of ['host', 'disk'] as const) {
    const core = new EngineCore(runner, {
      kvMemoryBytes: 4 * context * 4096,
      hostOffloadBytes: tier === 'host' ? 1 << 30 : 0,
    });
    await ttft(core, 1, prompt, 'agent');
    const s = core.sessions.get('agent')!;
    core.pauseSession('agent');
    core.sessions.offload(s);
    const next = [...prompt, ...core.sessions.get('agent')!.tokens.slice(prompt.length), 1];
    out[`restore_${tier}_ms`] = r1(await ttft(core, 2, next, 'agent'));
    out[`recompute_${tier}_ms`] = r1(await ttft(core, 3, next));
    out[`speedup_${tier}`] = r1(out[`recompute_${tier}_ms`]! / out[`restore_${tier}_ms`]!);
    core.close();
  }
  return out;
}

// --- 3/4. trace replay -----------------------------------------------------------------------------

interface Turn {
  prompt: number[];
  maxTokens: number;
  salt: string;
}
interface Arrival {
  at: number; // ms from trace start
  turns: Turn[];
  /** Appended after each turn but the last (a tool result); pauses in ms (compressed). */
  toolTokens: number[][];
  pausesMs: number[];
}

function chatTrace(n: number, ratePerSec: number, seed: number): Arrival[] {
  const rng = new Prng(seed);
  const system = tokens(new Prng(99), 128);
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    t += (-Math.log(1 - rng.next()) / ratePerSec) * 1000;
    const shared = rng.next() < 0.5;
    const body = tokens(rng, uniform(rng, 96, 512));
    return {
      at: t,
      turns: [
        {
          prompt: shared ? [...system, ...body] : body,
          maxTokens: uniform(rng, 32, 96),
          salt: shared ? 'public' : `c${i}`,
        },
      ],
      toolTokens: [],
      pausesMs: [],
    };
  });
}

function agentTrace(n: number, ratePerSec: number, seed: number, compress: number): Arrival[] {
  const rng = new Prng(seed);
  let t = 0;
  return Array.from({ length: n }, (_, i) => {
    t += (-Math.log(1 - rng.next()) / ratePerSec) * 1000;
    const turnCount = uniform(rng, 3, 5);
    return {
      at: t,
      turns: [
        { prompt: tokens(rng, uniform(rng, 384, 1024)), maxTokens: uniform(rng, 32, 64), salt: `a${i}` },
      ],
      toolTokens: Array.from({ length: turnCount - 1 }, () => tokens(rng, uniform(rng, 64, 192))),
      pausesMs: Array.from({ length: turnCount - 1 }, () => (uniform(rng, 1000, 30_000) / compress) | 0),
    };
  });
}

interface ReplayResult {
  completed: number;
  requests: number;
  outputTokens: number;
  seconds: number;
  tokensPerSecond: number;
  ttftP50: number;
  ttftP99: number;
  itlP50: number;
  itlP99: number;
  peakConcurrent: number;
  kvUtilisation: number;
  cpuSeconds: number;
  tokensPerCpuSecond: number;
  preemptions: number;
  offloads: number;
  restores: number;
  prefixHits: number;
}

async function replay(engine: Engine, trace: Arrival[], limitMs: number): Promise<ReplayResult> {
  const ttft: number[] = [];
  const itl: number[] = [];
  let outputTokens = 0;
  let completed = 0;
  let requests = 0;
  const util: number[] = [];
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // one listener per in-flight request
  const t0 = now();
  const cpu0 = process.cpuUsage(); // the worker's CPU is this process's CPU
  const sampler = setInterval(() => {
    void engine.stats().then((s) => {
      if (s.blocksUsed > 0 && s.kvTokens !== undefined) util.push(s.kvTokens / (s.blocksUsed * s.blockSize));
    });
  }, 100);

  const runTurn = async (
    prompt: number[],
    maxTokens: number,
    salt: string,
    sessionId?: string,
  ): Promise<number[]> => {
    requests++;
    const start = now();
    let last = 0;
    const out: number[] = [];
    const req = { promptTokens: prompt, sampling: greedy(maxTokens), cacheSalt: salt, signal: ac.signal };
    for await (const ev of engine.generate(
      sessionId ? { ...req, sessionId } : req,
    ) as AsyncIterable<GenerationEvent>) {
      if (ev.type === 'token') {
        const at = ev.at!;
        if (last === 0) ttft.push(at - start);
        else itl.push(at - last);
        last = at;
        out.push(ev.id);
        outputTokens++;
      } else if (ev.finishReason === 'length' || ev.finishReason === 'stop') completed++;
    }
    return out;
  };

  const runArrival = async (a: Arrival, i: number): Promise<void> => {
    await sleep(Math.max(0, t0 + a.at - now()));
    const sessionId = a.toolTokens.length > 0 ? `agent-${i}` : undefined;
    let prompt = a.turns[0]!.prompt;
    const { maxTokens, salt } = a.turns[0]!;
    for (let k = 0; k <= a.toolTokens.length; k++) {
      if (ac.signal.aborted) return;
      const out = await runTurn(prompt, maxTokens, salt, sessionId);
      if (k === a.toolTokens.length || sessionId === undefined) break;
      // The agent waits for its tool: the session is paused, its KV evictable.
      await engine.pauseSession(sessionId).catch(() => undefined);
      await sleep(a.pausesMs[k]!);
      await engine.resumeSession(sessionId).catch(() => undefined);
      prompt = [...prompt, ...out, ...a.toolTokens[k]!];
    }
    if (sessionId !== undefined) await engine.closeSession(sessionId).catch(() => undefined);
  };

  const all = Promise.all(trace.map((a, i) => runArrival(a, i).catch(() => undefined)));
  const timer = setTimeout(() => ac.abort(), limitMs);
  await all;
  clearTimeout(timer);
  clearInterval(sampler);
  const seconds = (now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = await engine.stats();
  return {
    completed,
    requests,
    outputTokens,
    seconds: r2(seconds),
    tokensPerSecond: r1(outputTokens / seconds),
    ttftP50: r1(pct(ttft, 50)),
    ttftP99: r1(pct(ttft, 99)),
    itlP50: r2(pct(itl, 50)),
    itlP99: r2(pct(itl, 99)),
    peakConcurrent: s.peakRunning ?? 0,
    kvUtilisation: r2(util.reduce((a, b) => a + b, 0) / Math.max(1, util.length)),
    cpuSeconds: r2(cpuSeconds),
    tokensPerCpuSecond: r1(outputTokens / cpuSeconds),
    preemptions: s.preemptions.swap + s.preemptions.recompute,
    offloads: s.offloads,
    restores: s.restores,
    prefixHits: s.prefixHits,
  };
}

function table(title: string, rows: Record<string, Record<string, number | string>>): void {
  const cols = Object.keys(Object.values(rows)[0]!);
  const names = Object.keys(rows);
  const w = Math.max(...names.map((n) => n.length), 10);
  process.stdout.write(`\n${title}\n${'metric'.padEnd(22)}${names.map((n) => n.padStart(w + 2)).join('')}\n`);
  for (const c of cols) {
    process.stdout.write(
      `${c.padEnd(22)}${names.map((n) => String(rows[n]![c]).padStart(w + 2)).join('')}\n`,
    );
  }
}

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const ti = args.indexOf('--threads');
  const threads = ti >= 0 ? Number(args[ti + 1]) : 1;
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : undefined;
  const part = (name: string): boolean => only === undefined || only === name;
  const model = await loadModel('tiny');
  const runner = await OnnxRunner.create(model, { intraOpNumThreads: threads });
  const block = bytesPerBlock(runner.shape);
  const results: Record<string, unknown> = { model: model.config.name, threads, quick, blockBytes: block };

  if (part('decode')) {
    // Three runs, the median one reported: one run is half a second of decoding, and this shared
    // machine's memory bandwidth drifts by tens of percent from second to second.
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < (quick ? 1 : DECODE_RUNS); i++) runs.push(await decodeBench(runner, quick ? 16 : 48));
    const rates = runs.map((r) => r.tokensPerSecond!).sort((a, b) => a - b);
    const decode = {
      ...runs.find((r) => r.tokensPerSecond === rates[rates.length >> 1])!,
      runs: runs.length,
      tokensPerSecondMin: rates[0]!,
      tokensPerSecondMax: rates[rates.length - 1]!,
    };
    results.decode = decode;
    table(`decode: tiny, 16 sequences x 1k context (median of ${runs.length} runs)`, { paged: decode });
  }
  if (part('restore')) {
    const restore = await restoreBench(runner, 2048);
    results.restore = restore;
    table('restore a paused 2k-token session vs recompute it (TTFT of the next turn)', { session: restore });
  }
  await runner.close();

  // One KV budget for both engines: the baseline holds `baselineSeqs` sequences of maxContext.
  const baselineSeqs = 4;
  const kvMemoryBytes = baselineSeqs * Math.ceil(model.config.maxContext / model.blockSize) * block + block;
  results.kvMemoryBytes = kvMemoryBytes;
  const common = {
    model: 'tiny',
    kvMemoryBytes,
    intraOpNumThreads: threads,
    tokenBudget: 256,
    prefillChunk: 128,
    queueLimit: 4096,
    hostOffloadBytes: 512 << 20,
    // `--mixed N`: prompt tokens allowed in a step with decodes (256 = the whole budget, as before).
    ...(args.includes('--mixed') ? { mixedPrefill: Number(args[args.indexOf('--mixed') + 1]) } : {}),
    ...(args.includes('--per-decode')
      ? { mixedPerDecode: Number(args[args.indexOf('--per-decode') + 1]) }
      : {}),
  };
  const compress = quick ? 30 : 10;
  const traces = {
    // Both traces offer more than the engine serves, so that memory, not arrivals, bounds how many
    // sequences run at once and the goals measure capacity: this machine's speed drifts by up to 2x
    // between runs, and at the earlier rates (16 chats, 2 agents a second) a fast minute finished
    // requests before memory filled (chat peak 22 instead of 48; agent peak 11, 0 offloads). At 40
    // and 6 a second the peaks sit on their plateaus (chat 48 at 24 and 40; agent 17 at 4, 18 at 6).
    chat: { trace: chatTrace(quick ? 60 : 160, quick ? 12 : 40, 7), limit: quick ? 30_000 : 60_000 },
    agent: { trace: agentTrace(quick ? 24 : 48, quick ? 3 : 6, 8, compress), limit: quick ? 45_000 : 90_000 },
  };
  for (const [name, { trace, limit }] of Object.entries(traces)) {
    if (!part(name)) continue;
    const out: Record<string, ReplayResult> = {};
    for (const mode of ['paged', 'baseline'] as const) {
      const engine = await createEngine({ ...common, reserveMaxContext: mode === 'baseline' });
      out[mode] = await replay(engine, trace, limit);
      await engine.close();
    }
    const ratio = (k: keyof ReplayResult): number =>
      r2((out.paged![k] as number) / Math.max(1e-9, out.baseline![k] as number));
    results[name] = {
      ...out,
      ratios: {
        peakConcurrent: ratio('peakConcurrent'),
        tokensPerSecond: ratio('tokensPerSecond'),
        completed: ratio('completed'),
      },
    };
    table(
      `${name} trace (${trace.length} arrivals, same KV budget ${(kvMemoryBytes / 2 ** 20).toFixed(0)} MiB)`,
      out as unknown as Record<string, Record<string, number>>,
    );
  }

  if (only !== undefined) return;
  const decode = results.decode as Record<string, number>;
  const restore = results.restore as Record<string, number>;
  const chat = results.chat as { paged: ReplayResult; ratios: { peakConcurrent: number } };
  const agent = results.agent as { paged: ReplayResult; ratios: { peakConcurrent: number } };
  const goals: [string, number, string, boolean][] = [
    [
      'concurrent sequences vs baseline (chat)',
      chat.ratios.peakConcurrent,
      '>= 5x',
      chat.ratios.peakConcurrent >= 5,
    ],
    [
      'concurrent sequences vs baseline (agent)',
      agent.ratios.peakConcurrent,
      '>= 3x',
      agent.ratios.peakConcurrent >= 3,
    ],
    ['KV utilisation (chat, paged)', chat.paged.kvUtilisation, '>= 0.95', chat.paged.kvUtilisation >= 0.95],
    [
      'p99 / p50 ITL (chat, paged)',
      r2(chat.paged.itlP99 / chat.paged.itlP50),
      '<= 2',
      chat.paged.itlP99 <= 2 * chat.paged.itlP50,
    ],
    ['restore speedup (host)', restore.speedup_host!, '>= 5x', restore.speedup_host! >= 5],
    ['restore speedup (disk)', restore.speedup_disk!, '>= 5x', restore.speedup_disk! >= 5],
    [
      'decode tokens/s (16 x 1k, 1 thread)',
      decode.tokensPerSecond!,
      '>= 1000',
      decode.tokensPerSecond! >= 1000,
    ],
  ];
  results.goals = goals.map(([name, value, goal, met]) => ({ name, value, goal, met }));
  process.stdout.write('\ngoals\n');
  for (const [name, value, goal, met] of goals) {
    process.stdout.write(
      `${name.padEnd(44)}${String(value).padStart(10)}  ${goal.padEnd(8)} ${met ? 'met' : 'NOT met'}\n`,
    );
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/engine.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
}
