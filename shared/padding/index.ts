/**
 * Padding for metadata protection. A policy maps a length to a padded length; `padTo` appends zero
 * bytes to a Binary HTTP message up to that length, which RFC 9292 3.8 allows after any message
 * (zero bytes read as padding, or as empty truncated sections: the same message either way).
 *
 * Public API:
 *   type PaddingPolicy = (length: number) => number
 *   none, padme: PaddingPolicy
 *   powerOfTwo({ floor }): PaddingPolicy
 *   buckets(sizes: number[]): PaddingPolicy
 *   padTo(bytes: Uint8Array, policy: PaddingPolicy): Uint8Array
 * The Binary HTTP encoders take a policy directly (`padTo` option), which avoids the copy made here.
 */
import { invalidArgument } from '../errors.ts';
import type { PaddingPolicy } from './policies.ts';

export type { PaddingPolicy } from './policies.ts';
export { buckets, none, padme, powerOfTwo } from './policies.ts';

/** A copy of `bytes` followed by zero bytes up to `policy(bytes.length)`; `bytes` itself if no padding is needed. */
export function padTo(bytes: Uint8Array, policy: PaddingPolicy): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('padTo input must be a Uint8Array');
  const n = policy(bytes.length);
  if (!Number.isSafeInteger(n) || n < bytes.length)
    throw invalidArgument('padding policy shrank the message');
  if (n === bytes.length) return bytes;
  const out = new Uint8Array(n);
  out.set(bytes);
  return out;
}
