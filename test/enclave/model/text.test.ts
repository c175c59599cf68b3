/**
 * The built-in model writes readable text (text-prior.ts): whatever the prompt, greedy and sampled
 * continuations are printable ASCII with spaces between letter groups, and the probability of any
 * other byte or special token stays negligible even at a high temperature. Decoding here recomputes
 * the whole sequence each step through the ONNX graph (no past), which is plenty for a few dozen tokens.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../../enclave/model/init.ts';
import { DISFAVOURED, textPriorBias } from '../../../enclave/model/text-prior.ts';
import { SPECIAL, VOCAB_SIZE } from '../../../enclave/tokenizer/vocab.ts';
import { fcParams } from '../../support/seed.ts';
import type { Tiny } from './support.ts';
import { makePools, openTiny, runStep } from './support.ts';

let tiny: Tiny;
beforeAll(async () => {
  tiny = await openTiny();
});
afterAll(async () => {
  await tiny.session.release();
});

const printable = (id: number): boolean => id >= 0x20 && id <= 0x7e;

/** Softmax of logits / temperature, in float64. */
function probs(logits: Float32Array, temperature: number): Float64Array {
  const max = Math.max(...logits);
  const p = Float64Array.from(logits, (l) => Math.exp((l - max) / temperature));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / sum);
}

/** `n` tokens after `prompt`: greedy when temperature is 0, else sampled with a seeded stream. */
async function generate(prompt: number[], n: number, temperature: number, seed = 1): Promise<number[]> {
  const pools = makePools(tiny.config, 1, () => 0);
  const rng = new Xoshiro128(seed, 'text-test');
  const seq = [...prompt];
  for (let i = 0; i < n; i++) {
    const [logits] = (await runStep(tiny, pools, [{ tokens: seq, pastLen: 0, blockTable: [0] }])).logits;
    let next = 0;
    if (temperature === 0) {
      for (let j = 1; j < logits!.length; j++) if (logits![j]! > logits![next]!) next = j;
    } else {
      const p = probs(logits!, temperature);
      let u = rng.nextUnit();
      while (next < p.length - 1 && u >= p[next]!) u -= p[next++]!;
    }
    seq.push(next);
  }
  return seq.slice(prompt.length);
}

describe('text prior', () => {
  it('favours English letters and space, and disfavours everything unprintable', () => {
    const b = textPriorBias(VOCAB_SIZE);
    const at = (ch: string): number => b[ch.charCodeAt(0)]!;
    expect(at(' ')).toBeGreaterThan(at('e'));
    expect(at('e')).toBeGreaterThan(at('t'));
    expect(at('t')).toBeGreaterThan(at('z'));
    expect(at('a')).toBeGreaterThan(at('A'));
    expect(at('z')).toBeGreaterThan(DISFAVOURED + 20);
    for (let id = 0; id < VOCAB_SIZE; id++) {
      if (printable(id)) expect(b[id]!).toBeGreaterThan(DISFAVOURED + 20);
      else expect(b[id]).toBe(DISFAVOURED);
    }
    expect(b[SPECIAL.end]).toBe(DISFAVOURED);
  });
});

describe('built-in model output', () => {
  const prompt = fc.array(fc.integer({ min: 0, max: VOCAB_SIZE - 1 }), { minLength: 1, maxLength: 12 });

  it('puts almost no probability on unprintable tokens, even at temperature 2', async () => {
    await fc.assert(
      fc.asyncProperty(prompt, async (tokens) => {
        const pools = makePools(tiny.config, 1, () => 0);
        const { logits } = await runStep(tiny, pools, [{ tokens, pastLen: 0, blockTable: [0] }]);
        const p = probs(logits[0]!, 2);
        let other = 0;
        p.forEach((x, id) => {
          if (!printable(id)) other += x;
        });
        expect(other).toBeLessThan(1e-5);
      }),
      fcParams(20),
    );
  });

  it('continues any prompt with printable ASCII, greedy and sampled', async () => {
    await fc.assert(
      fc.asyncProperty(prompt, fc.constantFrom(0, 1, 1.5), fc.nat(), async (tokens, temperature, seed) => {
        const out = await generate(tokens, 12, temperature, seed);
        expect(out.every(printable), String.fromCharCode(...out)).toBe(true);
      }),
      fcParams(8),
    );
  });

  it('writes letter groups separated by spaces when sampling', async () => {
    const chat = [SPECIAL.bos, SPECIAL.user, ...Buffer.from('Hello there'), SPECIAL.end, SPECIAL.assistant];
    const texts: string[] = [];
    for (const seed of [1, 2, 3]) texts.push(String.fromCharCode(...(await generate(chat, 32, 1, seed))));
    const all = texts.join('');
    const spaces = [...all].filter((ch) => ch === ' ').length;
    const letters = new Set([...all].filter((ch) => /[a-z]/.test(ch)));
    expect(spaces / all.length, all).toBeGreaterThan(0.05);
    expect(letters.size, all).toBeGreaterThan(10);
    expect(new Set(texts).size).toBe(3);
  });
});
