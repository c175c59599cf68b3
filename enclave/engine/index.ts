/** The engine's public entry: the handle other parts start, and the interface they program against. */
export { createEngine } from './engine.ts';
export type {
  Engine,
  EngineOptions,
  EngineStats,
  FinishReason,
  GenerateRequest,
  GenerationEvent,
  ModelInfo,
  RequestTimings,
  SamplingParams,
  SessionInfo,
  SessionState,
  Usage,
} from './types.ts';
export { EngineError, type EngineErrorCode } from './types.ts';
