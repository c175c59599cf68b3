/** Helpers to drive an EngineCore directly (no worker) in tests. */
import type { CoreRequest, EngineCore } from '../../../../enclave/engine/core.ts';
import { Prng, sample } from '../../../../enclave/engine/sampler.ts';
import type { FinishReason, SamplingParams, Usage } from '../../../../enclave/engine/types.ts';
import { referenceLogits } from './fake-runner.ts';

export interface Outcome {
  tokens: number[];
  logits: Float32Array[];
  finishReason?: FinishReason;
  usage?: Usage;
}

let nextId = 1;

/** Submits a request; the outcome fills in as the core steps. */
export function submit(core: EngineCore, req: CoreRequest): { id: number; out: Outcome } {
  const id = nextId++;
  const out: Outcome = { tokens: [], logits: [] };
  core.submit(id, req, (ev) => {
    if (ev.type === 'token') {
      out.tokens.push(ev.id);
      if (ev.logits) out.logits.push(ev.logits);
    } else {
      out.finishReason = ev.finishReason;
      out.usage = ev.usage;
    }
  });
  return { id, out };
}

export async function drain(core: EngineCore, maxSteps = 100_000): Promise<number> {
  let steps = 0;
  while (core.hasWork()) {
    if (++steps > maxSteps) throw new Error('engine made no progress');
    await core.step();
  }
  return steps;
}

export function params(p: Partial<SamplingParams> = {}): SamplingParams {
  return { temperature: 0, topK: 0, topP: 1, maxTokens: 8, stop: [], ...p };
}

/** What a correct engine must produce for `prompt` with the fake model: tokens and their logits. */
export function expected(prompt: readonly number[], p: SamplingParams): Outcome {
  const ctx = [...prompt];
  const rng = new Prng(p.seed ?? 0);
  const out: Outcome = { tokens: [], logits: [] };
  for (let i = 0; i < p.maxTokens; i++) {
    const l = referenceLogits(ctx).at(-1)!;
    const t = sample(l, p, rng);
    out.tokens.push(t);
    out.logits.push(l);
    ctx.push(t);
  }
  return out;
}
