/**
 * Integer helpers for tree sizes and indices. Logs can outgrow 2^32 entries, so nothing here uses
 * JavaScript's 32-bit bitwise operators: every value is a safe integer handled with arithmetic.
 */
import { invalidArgument } from '../errors.ts';

export function assertIndex(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`${what} must be a non-negative safe integer`);
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** RFC 6962 2.1: k, the largest power of two smaller than n (n > 1). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of a power of two. */
export function log2(n: number): number {
  let l = 0;
  while (n > 1) {
    n /= 2;
    l++;
  }
  return l;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}
