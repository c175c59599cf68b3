import { expect } from 'vitest';
import { isTacitError, type TacitError } from '../../shared/errors.ts';

/** The error a promise rejects with, which must be one of the project's typed errors. */
export async function tacitRejection(p: Promise<unknown>): Promise<TacitError> {
  try {
    await p;
  } catch (e) {
    expect(isTacitError(e)).toBe(true);
    return e as TacitError;
  }
  throw new Error('expected a rejection');
}

/** The code of that error (ERR_VERIFY, ERR_MALFORMED, ...). */
export async function rejectionCode(p: Promise<unknown>): Promise<string> {
  return (await tacitRejection(p)).code;
}
