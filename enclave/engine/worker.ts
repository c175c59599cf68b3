/**
 * The engine's worker thread: owns the onnxruntime session and the KV memory, runs the core's step
 * loop, and answers the main thread's messages between steps (onnxruntime blocks the thread while a
 * run is in progress, which is why all of this lives off the main thread: DESIGN.md).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from '../model/load.ts';
import { EngineCore } from './core.ts';
import { OnnxRunner } from './onnx-runner.ts';
import type { CallValue, FromWorker, SessionOp, ToWorker, WorkerConfig } from './protocol.ts';
import { EngineError } from './types.ts';

const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);
const config = workerData as WorkerConfig;

function call(core: EngineCore, c: SessionOp): CallValue {
  switch (c.op) {
    case 'pause':
      return core.pauseSession(c.sessionId);
    case 'resume':
      return core.resumeSession(c.sessionId);
    case 'ttl':
      return core.setSessionTtl(c.sessionId, c.ttlMs);
    case 'close':
      core.closeSession(c.sessionId);
      return undefined;
    case 'get':
      return core.sessionInfo(c.sessionId);
    case 'stats':
      return core.stats();
  }
}

async function main(): Promise<void> {
  const model = await loadModel(config.model);
  const runner = await OnnxRunner.create(model, { intraOpNumThreads: config.intraOpNumThreads });
  const core = new EngineCore(runner, config.core);
  let looping = false;
  let closing = false;

  const loop = async (): Promise<void> => {
    looping = true;
    while (core.hasWork() && !closing) {
      const ran = await core.step();
      // Let queued messages (new requests, cancellations) in between steps; back off a little when
      // nothing could run (every waiting request is blocked on memory held by a running turn).
      await new Promise((r) => (ran ? setImmediate(r) : setTimeout(r, 2)));
    }
    looping = false;
  };
  const kick = (): void => {
    if (!looping) void loop();
  };
  // Idle sessions expire even when no request arrives.
  const ttlTimer = setInterval(() => core.expireSessions(), 1000);
  ttlTimer.unref();

  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'generate':
        try {
          core.submit(m.id, m.req, (ev) => post({ t: 'event', id: m.id, ev }));
          kick();
        } catch (e) {
          const code = e instanceof EngineError ? e.code : 'internal';
          post({ t: 'rejected', id: m.id, code, message: e instanceof Error ? e.message : String(e) });
        }
        return;
      case 'cancel':
        core.cancel(m.id);
        return;
      case 'call':
        try {
          post({ t: 'reply', rid: m.rid, ok: true, value: call(core, m.call) });
          kick(); // a resumed session may have unblocked a waiting turn
        } catch (e) {
          const code = e instanceof EngineError ? e.code : 'internal';
          post({
            t: 'reply',
            rid: m.rid,
            ok: false,
            code,
            message: e instanceof Error ? e.message : String(e),
          });
        }
        return;
      case 'close':
        closing = true;
        clearInterval(ttlTimer);
        void (async () => {
          while (looping) await new Promise((r) => setTimeout(r, 1));
          core.close();
          await runner.close();
          post({ t: 'closed' });
        })();
        return;
    }
  });
  post({
    t: 'ready',
    model: {
      id: model.config.name,
      digest: model.digest,
      maxContext: model.config.maxContext,
      vocabSize: model.config.vocabSize,
    },
  });
}

main().catch((e: unknown) => post({ t: 'fatal', message: e instanceof Error ? e.message : String(e) }));
