/** Properties of the reference forward pass itself (the graph tests compare against it). */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinConfig } from '../../../enclave/model/config.ts';
import type { ModelConfig } from '../../../enclave/model/graph-contract.ts';
import { referenceLogits } from '../../../enclave/model/reference.ts';
import { builtinWeights, type ModelWeights } from '../../../enclave/model/weights.ts';
import { isTacitError } from '../../../shared/errors.ts';
import { fcParams } from '../../support/seed.ts';

let c: ModelConfig;
let w: ModelWeights;
beforeAll(() => {
  c = builtinConfig('tiny');
  w = builtinWeights('tiny');
});

describe('referenceLogits', () => {
  it('is causal: appending tokens never changes earlier logits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 263 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 263 }), { minLength: 1, maxLength: 4 }),
        (a, b) => {
          const short = referenceLogits(w, c, a);
          const long = referenceLogits(w, c, [...a, ...b]);
          short.forEach((l, i) => {
            expect(long[i]).toEqual(l);
          });
        },
      ),
      fcParams(4),
    );
  });

  it('depends on the tokens and their order', () => {
    const ab = referenceLogits(w, c, [65, 66]);
    const ba = referenceLogits(w, c, [66, 65]);
    expect(ab[1]).not.toEqual(ba[1]);
    expect(ab.every((l) => l.length === c.vocabSize && l.every(Number.isFinite))).toBe(true);
  });

  it('draws every tensor from its own stream', () => {
    // The seed and the tensor name pick the stream: no two layers share weights.
    expect(w.layers[0]!.wq).not.toEqual(w.layers[1]!.wq);
    expect(w.layers[0]!.wk.subarray(0, 64)).not.toEqual(w.layers[0]!.wv.subarray(0, 64));
  });

  it('rejects tokens outside the vocabulary', () => {
    for (const bad of [[], [264], [-1], [0.5]]) {
      let err: unknown;
      try {
        referenceLogits(w, c, bad);
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
