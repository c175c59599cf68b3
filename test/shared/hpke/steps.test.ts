/** The step runner: synchronous values stay synchronous, promises are awaited, errors reach the step. */
import { describe, expect, it } from 'vitest';
import { run, type Steps } from '../../../shared/hpke/steps.ts';

function* add(a: unknown, b: unknown): Steps<number> {
  const x = (yield a) as number;
  const y = (yield b) as number;
  return x + y;
}

function* guarded(v: unknown): Steps<string> {
  try {
    return String(yield v);
  } catch (e) {
    return `caught ${(e as Error).message}`;
  }
}

describe('run', () => {
  it('returns a plain value when every step is synchronous', () => {
    expect(run(add(1, 2))).toBe(3);
  });

  it('returns a promise once a step is asynchronous', async () => {
    const r = run(add(1, Promise.resolve(2)));
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toBe(3);
  });

  it('throws a rejected step into the generator at its yield', async () => {
    expect(await run(guarded(Promise.reject(new Error('no'))))).toBe('caught no');
  });

  it('propagates an uncaught synchronous throw synchronously', () => {
    function* boom(): Steps<number> {
      yield 1;
      throw new Error('boom');
    }
    expect(() => run(boom())).toThrow('boom');
  });
});
