/**
 * Messages between the engine handle (main thread, engine.ts) and its worker (worker.ts). Everything
 * here is structured-clonable: no functions, no AbortSignals (cancellation is its own message).
 */
import type { CoreOptions, CoreRequest, CoreStats } from './core.ts';
import type { EngineErrorCode, GenerationEvent, ModelInfo, SessionInfo } from './types.ts';

export interface WorkerConfig {
  model: string;
  intraOpNumThreads: number;
  core: Omit<Partial<CoreOptions>, 'now'>;
}

export type SessionOp =
  | { op: 'pause' | 'resume' | 'close' | 'get'; sessionId: string }
  | { op: 'ttl'; sessionId: string; ttlMs: number | null }
  | { op: 'stats' };

export type ToWorker =
  | { t: 'generate'; id: number; req: CoreRequest }
  | { t: 'cancel'; id: number }
  | { t: 'call'; rid: number; call: SessionOp }
  | { t: 'close' };

export type CallValue = SessionInfo | CoreStats | undefined;

export type FromWorker =
  | { t: 'ready'; model: ModelInfo }
  | { t: 'fatal'; message: string }
  | { t: 'event'; id: number; ev: GenerationEvent }
  | { t: 'rejected'; id: number; code: EngineErrorCode; message: string }
  | { t: 'reply'; rid: number; ok: true; value: CallValue }
  | { t: 'reply'; rid: number; ok: false; code: EngineErrorCode; message: string }
  | { t: 'closed' };
