/**
 * Padding policies: pure functions from a length to a padded length (>= length, monotone), used to
 * hide message sizes (metadata protection). Each one groups lengths into few observable sizes; the
 * fewer the sizes, the less a length leaks and the more bytes are spent.
 */
import { invalidArgument } from '../errors.ts';

/** Maps a length (an integer >= 0) to the padded length. */
export type PaddingPolicy = (length: number) => number;

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0)
    throw invalidArgument(`length must be an integer >= 0, got ${length}`);
}

function checkResult(padded: number): number {
  if (!Number.isSafeInteger(padded)) throw invalidArgument('padded length exceeds 2^53-1');
  return padded;
}

/** The identity: no padding. */
export const none: PaddingPolicy = (length) => {
  checkLength(length);
  return length;
};

/** floor(log2(n)) for an integer n >= 1, exact beyond 32 bits. */
function log2Floor(n: number): number {
  if (n < 0x100000000) return 31 - Math.clz32(n);
  let e = 32;
  while (2 ** (e + 1) <= n) e++;
  return e;
}

/**
 * The next power of two at or above the length, and never below `floor` (which need not be a power of
 * two). Over lengths up to 2^k it yields at most k + 1 - log2(floor) distinct sizes; overhead < 100%.
 */
export function powerOfTwo(options: { floor: number }): PaddingPolicy {
  const floor = options.floor;
  if (!Number.isSafeInteger(floor) || floor < 1)
    throw invalidArgument('powerOfTwo floor must be an integer >= 1');
  return (length) => {
    checkLength(length);
    if (length <= floor) return floor;
    const e = log2Floor(length);
    return checkResult(2 ** e === length ? length : 2 ** (e + 1));
  };
}

/**
 * The smallest bucket at or above the length; beyond the last bucket, the next multiple of the last
 * bucket. Buckets are strictly increasing positive integers.
 */
export function buckets(list: readonly number[]): PaddingPolicy {
  if (!Array.isArray(list) || list.length === 0) throw invalidArgument('buckets needs at least one size');
  const sizes = [...list];
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]!;
    if (!Number.isSafeInteger(s) || s < 1 || (i > 0 && s <= sizes[i - 1]!)) {
      throw invalidArgument('buckets must be strictly increasing integers >= 1');
    }
  }
  const last = sizes[sizes.length - 1]!;
  return (length) => {
    checkLength(length);
    if (length > last) return checkResult(Math.ceil(length / last) * last);
    // Binary search for the first bucket >= length.
    let lo = 0;
    let hi = sizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid]! >= length) hi = mid;
      else lo = mid + 1;
    }
    return sizes[lo]!;
  };
}

/**
 * Padmé (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs",
 * PoPETs 2019, Algorithm 1):
 *   E = floor(log2 L), S = floor(log2 E) + 1, lastBits = E - S, bitMask = 2^lastBits - 1,
 *   padded = (L + bitMask) & ~bitMask.
 * That keeps the top S bits of the length's E + 1 bits and rounds the rest up: only O(log log L) bits
 * of the length leak, each range [2^E, 2^(E+1)) maps to 2^S sizes, and the overhead is at most
 * 2^lastBits - 1 < L / 2^S (never above 11.7%: 129 -> 144 is the worst case, as the paper states).
 * L = 0 and L = 1 are returned unchanged (log2 E is undefined there). Arithmetic is done on doubles,
 * not 32-bit bit operators, so it is exact up to 2^53 - 1.
 */
export const padme: PaddingPolicy = (length) => {
  checkLength(length);
  if (length < 2) return length;
  const e = log2Floor(length);
  const s = e === 0 ? 0 : log2Floor(e) + 1;
  const lastBits = e - s;
  const unit = 2 ** lastBits;
  return checkResult(Math.ceil(length / unit) * unit);
};
