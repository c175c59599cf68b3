/**
 * `createEngine()`: the main-thread handle of the engine. It starts the worker (worker.ts) with tsx's
 * loader, so that the same .ts sources run from the CLI, from vitest and from the launcher, and from
 * then on only speaks messages (protocol.ts). On Node 20 `execArgv: ['--import', 'tsx']` does not
 * apply the hooks to a worker's entry module (measured: "Unknown file extension .ts"), so the worker
 * is a two-line bootstrap that registers tsx's ESM hooks and then imports worker.ts. Generation is an async iterable of events; aborting the
 * request's signal, or leaving the loop early, cancels it in the worker (blocks freed next step).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CoreStats } from './core.ts';
import type { CallValue, FromWorker, SessionOp, ToWorker, WorkerConfig } from './protocol.ts';
import { DEFAULT_PLAN } from './scheduler.ts';
import {
  type Engine,
  EngineError,
  type EngineOptions,
  type GenerateRequest,
  type GenerationEvent,
  type ModelInfo,
  type SessionInfo,
} from './types.ts';

interface Stream {
  push(ev: GenerationEvent): void;
  fail(e: EngineError): void;
}

export function workerConfig(o: EngineOptions): WorkerConfig {
  const core: WorkerConfig['core'] = {};
  if (o.kvMemoryBytes !== undefined) core.kvMemoryBytes = o.kvMemoryBytes;
  if (o.hostOffloadBytes !== undefined) core.hostOffloadBytes = o.hostOffloadBytes;
  if (o.offloadDir !== undefined) core.offloadDir = o.offloadDir;
  if (o.queueLimit !== undefined) core.queueLimit = o.queueLimit;
  if (o.maxRunning !== undefined) core.maxRunning = o.maxRunning;
  if (o.sessionTtlMs !== undefined) core.sessionTtlMs = o.sessionTtlMs;
  if (o.swapThresholdTokens !== undefined) core.swapThresholdTokens = o.swapThresholdTokens;
  if (o.reserveMaxContext !== undefined) core.reserveMaxContext = o.reserveMaxContext;
  if (o.capacityLengths !== undefined) core.capacityLengths = o.capacityLengths;
  core.plan = {
    tokenBudget: o.tokenBudget ?? 512,
    prefillChunk: o.prefillChunk ?? 128,
    maxBatch: o.maxBatch ?? 64,
    prefillFloor: 32,
    bucketFloor: 128,
    mixedPrefill: o.mixedPrefill ?? DEFAULT_PLAN.mixedPrefill,
    mixedPerDecode: o.mixedPerDecode ?? DEFAULT_PLAN.mixedPerDecode,
  };
  return { model: o.model, intraOpNumThreads: o.intraOpNumThreads ?? 1, core };
}

/** tsx's ESM register API, found through its package exports map rather than a hard-coded path. */
function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('tsx/package.json'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dir, pkg.exports['./esm/api']!.import.default)).href;
}

export function startWorker(config: WorkerConfig): Worker {
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, execArgv: [], workerData: config });
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const worker = startWorker(workerConfig(opts));
  const streams = new Map<number, Stream>();
  const calls = new Map<number, { resolve: (v: CallValue) => void; reject: (e: EngineError) => void }>();
  let nextId = 1;
  let closed = false;
  let onClosed: (() => void) | undefined;

  const send = (m: ToWorker): void => worker.postMessage(m);
  const failAll = (e: EngineError): void => {
    for (const s of streams.values()) s.fail(e);
    streams.clear();
    for (const c of calls.values()) c.reject(e);
    calls.clear();
  };

  const model = await new Promise<ModelInfo>((resolve, reject) => {
    const early = (m: FromWorker): void => {
      if (m.t === 'ready') resolve(m.model);
      if (m.t === 'fatal') reject(new EngineError('internal', `engine failed to start: ${m.message}`));
    };
    worker.on('message', early);
    worker.once('error', (e) => reject(new EngineError('internal', `engine failed to start: ${e.message}`)));
    worker.once('exit', (code) => reject(new EngineError('internal', `engine exited with code ${code}`)));
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  worker.removeAllListeners('message');
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');

  worker.on('message', (m: FromWorker) => {
    switch (m.t) {
      case 'event': {
        const s = streams.get(m.id);
        if (s === undefined) return;
        if (m.ev.type === 'done') streams.delete(m.id);
        s.push(m.ev);
        return;
      }
      case 'rejected': {
        const s = streams.get(m.id);
        streams.delete(m.id);
        s?.fail(new EngineError(m.code, m.message));
        return;
      }
      case 'reply': {
        const c = calls.get(m.rid);
        calls.delete(m.rid);
        if (c === undefined) return;
        if (m.ok) c.resolve(m.value);
        else c.reject(new EngineError(m.code, m.message));
        return;
      }
      case 'closed':
        onClosed?.();
        return;
      default:
        return;
    }
  });
  worker.on('error', (e) => failAll(new EngineError('internal', `engine worker failed: ${e.message}`)));
  worker.on('exit', () => {
    closed = true;
    failAll(new EngineError('closed', 'the engine is closed'));
  });

  const rpc = (call: SessionOp): Promise<CallValue> => {
    if (closed) return Promise.reject(new EngineError('closed', 'the engine is closed'));
    const rid = nextId++;
    return new Promise((resolve, reject) => {
      calls.set(rid, { resolve, reject });
      send({ t: 'call', rid, call });
    });
  };

  async function* generate(req: GenerateRequest): AsyncGenerator<GenerationEvent> {
    if (closed) throw new EngineError('closed', 'the engine is closed');
    const id = nextId++;
    const queue: GenerationEvent[] = [];
    let error: EngineError | undefined;
    let wake: (() => void) | undefined;
    let finished = false;
    streams.set(id, {
      push(ev) {
        queue.push(ev);
        wake?.();
      },
      fail(e) {
        error = e;
        wake?.();
      },
    });
    const { signal, ...rest } = req;
    send({ t: 'generate', id, req: rest });
    const onAbort = (): void => send({ t: 'cancel', id });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (queue.length === 0 && error === undefined) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (queue.length === 0 && error !== undefined) throw error;
        const ev = queue.shift()!;
        if (ev.type === 'done') finished = true;
        yield ev;
        if (finished) return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!finished && error === undefined && !closed) {
        // The consumer stopped listening: free the request's blocks.
        streams.delete(id);
        send({ t: 'cancel', id });
      }
    }
  }

  return {
    model,
    generate,
    pauseSession: async (sessionId) => (await rpc({ op: 'pause', sessionId })) as SessionInfo,
    resumeSession: async (sessionId) => (await rpc({ op: 'resume', sessionId })) as SessionInfo,
    setSessionTtl: async (sessionId, ttlMs) => (await rpc({ op: 'ttl', sessionId, ttlMs })) as SessionInfo,
    closeSession: async (sessionId) => void (await rpc({ op: 'close', sessionId })),
    getSession: async (sessionId) => (await rpc({ op: 'get', sessionId })) as SessionInfo | undefined,
    stats: async () => (await rpc({ op: 'stats' })) as CoreStats,
    async close() {
      if (closed) return;
      const done = new Promise<void>((r) => (onClosed = r));
      send({ t: 'close' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
      closed = true;
      await worker.terminate();
    },
  };
}
