/**
 * A scripted Engine for API tests: it answers each request with tokens from a script, honours
 * maxTokens, stop sequences and the abort signal like the real one, records every request, and can
 * be told to refuse (queue full), fail midway, or wait between tokens (for cancellation tests).
 */
import {
  type Engine,
  EngineError,
  type GenerateRequest,
  type GenerationEvent,
  type SessionInfo,
} from '../../../../enclave/engine/types.ts';

export interface ScriptedOptions {
  /** The tokens to answer with (before maxTokens and stop sequences apply). */
  script?: (req: GenerateRequest) => number[];
  maxContext?: number;
  /** generate() rejects with this engine error on its first event. */
  refuse?: EngineError['code'];
  /** Throws an internal error after this many tokens. */
  failAfter?: number;
  /** Before each token, waits for `step()` (or the abort signal). */
  manual?: boolean;
  cachedTokens?: number;
}

export class ScriptedEngine implements Engine {
  readonly model;
  readonly requests: GenerateRequest[] = [];
  readonly sessions = new Map<string, SessionInfo>();
  /** Ended generations, with how each ended. */
  readonly endings: string[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly opts: ScriptedOptions = {}) {
    this.model = {
      id: 'tacit-test',
      digest: 'ab'.repeat(32),
      maxContext: opts.maxContext ?? 512,
      vocabSize: 262,
    };
  }

  /** Lets every waiting generation produce one more token. */
  step(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  generate(req: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.requests.push(req);
    const self = this;
    const o = this.opts;
    async function* run(): AsyncGenerator<GenerationEvent> {
      if (o.refuse) throw new EngineError(o.refuse, 'refused');
      const out = o.script ? o.script(req) : [];
      const usage = (n: number) => ({
        promptTokens: req.promptTokens.length,
        cachedTokens: o.cachedTokens ?? 0,
        completionTokens: n,
      });
      const emitted: number[] = [];
      let held: number[] = [];
      for (const t of out) {
        if (o.manual) await self.wait(req.signal);
        if (req.signal?.aborted) {
          self.endings.push('cancelled');
          yield { type: 'done', finishReason: 'cancelled', usage: usage(emitted.length) };
          return;
        }
        if (o.failAfter !== undefined && emitted.length >= o.failAfter) {
          self.endings.push('error');
          throw new EngineError('internal', 'scripted failure');
        }
        held.push(t);
        const stop = req.sampling.stop.find(
          (s) => s.length <= held.length && s.every((x, i) => held[held.length - s.length + i] === x),
        );
        if (stop) {
          for (const x of held.slice(0, held.length - stop.length)) yield { type: 'token', id: x };
          self.endings.push('stop');
          yield {
            type: 'done',
            finishReason: 'stop',
            usage: usage(emitted.length + held.length - stop.length),
          };
          return;
        }
        // Hold back tokens that could start a stop sequence (as the real engine must).
        const keep = Math.max(0, ...req.sampling.stop.map((s) => s.length - 1));
        while (held.length > keep) {
          const x = held.shift()!;
          emitted.push(x);
          yield { type: 'token', id: x };
          if (emitted.length >= req.sampling.maxTokens) {
            self.endings.push('length');
            yield { type: 'done', finishReason: 'length', usage: usage(emitted.length) };
            return;
          }
        }
      }
      for (const x of held) yield { type: 'token', id: x };
      emitted.push(...held);
      held = [];
      self.endings.push('stop');
      yield { type: 'done', finishReason: 'stop', usage: usage(emitted.length) };
    }
    return run();
  }

  private session(id: string): SessionInfo {
    const s = this.sessions.get(id);
    if (!s || s.state === 'closed') throw new EngineError('no_such_session', 'no such session');
    return s;
  }
  async pauseSession(id: string): Promise<SessionInfo> {
    const s = this.session(id);
    s.state = 'paused';
    return { ...s };
  }
  async resumeSession(id: string): Promise<SessionInfo> {
    const s = this.session(id);
    s.state = 'active';
    return { ...s };
  }
  async setSessionTtl(id: string, ttlMs: number | null): Promise<SessionInfo> {
    const s = this.session(id);
    s.ttlMs = ttlMs;
    return { ...s };
  }
  async closeSession(id: string): Promise<void> {
    this.session(id).state = 'closed';
  }
  async getSession(id: string): Promise<SessionInfo | undefined> {
    const s = this.sessions.get(id);
    return s ? { ...s } : undefined;
  }
  async stats() {
    return {
      blocksTotal: 100,
      blocksUsed: 10,
      blocksCached: 20,
      blocksFree: 70,
      blockSize: 16,
      prefixHits: 3,
      offloads: 4,
      restores: 5,
      preemptions: { swap: 6, recompute: 7 },
      queueDepth: 2,
      runningSequences: 1,
      capacityAt: { 4096: 12 },
    };
  }
  async close(): Promise<void> {}
}

/** Parses an SSE body into its data payloads ('[DONE]' kept as a string). */
export async function readSse(res: Response): Promise<unknown[]> {
  const text = await res.text();
  expectFraming(text);
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => {
      const data = e.slice('data: '.length);
      return data === '[DONE]' ? data : (JSON.parse(data) as unknown);
    });
}

function expectFraming(text: string): void {
  for (const e of text.split('\n\n').filter((x) => x !== '')) {
    if (!e.startsWith('data: ') || e.includes('\n')) throw new Error(`bad SSE event: ${e}`);
  }
  if (!text.endsWith('\n\n')) throw new Error('SSE body does not end with a blank line');
}
