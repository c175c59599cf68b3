/**
 * RFC 9458 6.5 replay defence, client side. Requests carry a `Date`; a gateway that finds it stale, or
 * the request replayed, answers (encrypted) 400 with the `date` problem type and its own `Date`. The
 * client then retries once, with its clock corrected by the observed skew, and remembers the skew.
 */

import { utf8 } from '../shared/bytes.ts';
import { PROBLEM_TYPE_DATE } from '../shared/problem.ts';

export class Clock {
  private skewMs = 0;

  constructor(private readonly now: () => number) {}

  /** The `Date` to send: an IMF-fixdate (RFC 9110 5.6.7). */
  date(): string {
    return new Date(this.now() + this.skewMs).toUTCString();
  }

  /** Adopts the gateway's clock from its `Date` header; false if it sent none we can read. */
  correct(gatewayDate: string | undefined): boolean {
    const t = gatewayDate === undefined ? Number.NaN : Date.parse(gatewayDate);
    if (Number.isNaN(t)) return false;
    this.skewMs = t - this.now();
    return true;
  }
}

/** Whether a decrypted answer is the gateway's `date` problem (RFC 9458 6.5). */
export function isDateProblem(
  status: number,
  contentType: string | null | undefined,
  content: Uint8Array,
): boolean {
  if (status !== 400 || !(contentType ?? '').startsWith('application/problem+json')) return false;
  try {
    return (JSON.parse(utf8.decode(content)) as { type?: unknown }).type === PROBLEM_TYPE_DATE;
  } catch {
    return false;
  }
}
