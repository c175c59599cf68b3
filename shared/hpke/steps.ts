/**
 * Runs the key schedule once for both kinds of backend. The RFC 9180 / RFC 9458 derivations are
 * written as generators that `yield` each primitive's result; `run` feeds a plain value straight back
 * and waits only for a real Promise. So the node:crypto backend (synchronous) runs a whole request
 * setup without a single microtask, while WebCrypto (asynchronous) is awaited step by step.
 *
 * Measured on Node 20: wrapping each of the ~30 primitive calls of an OHTTP round trip in its own
 * promise cost about 15% of the round trip.
 */

/** A derivation: yields primitive results (values or Promises), returns T. */
export type Steps<T> = Generator<unknown, T, unknown>;

export type MaybePromise<T> = T | Promise<T>;

function isPromise(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as PromiseLike<unknown> | null)?.then === 'function';
}

function drive<T>(g: Steps<T>, r: IteratorResult<unknown, T>): MaybePromise<T> {
  while (!r.done) {
    const v = r.value;
    if (isPromise(v)) {
      return Promise.resolve(v).then(
        (x) => drive(g, g.next(x)),
        (e: unknown) => drive(g, g.throw(e)),
      );
    }
    r = g.next(v);
  }
  return r.value;
}

/** Runs a derivation; synchronous throws propagate synchronously (callers are async functions). */
export function run<T>(g: Steps<T>): MaybePromise<T> {
  return drive(g, g.next());
}
