/**
 * Time for the shaping code, injectable so that tests run on a fake clock: `now()` in milliseconds
 * (monotonic) and `sleep(ms)`, which resolves at once for ms <= 0 and rejects when `signal` aborts.
 */
export interface ShapingClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: ShapingClock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** A clock that only moves when slept on (tests): every sleep advances time by exactly its length. */
export function fakeClock(start = 0): ShapingClock & { slept: number[] } {
  let t = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    async sleep(ms) {
      if (ms > 0) {
        slept.push(ms);
        t += ms;
      }
      // Let other tasks (the body pump) run, as a real timer would.
      await new Promise<void>((r) => setImmediate(r));
    },
  };
}
