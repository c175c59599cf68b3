/**
 * Errors the SDK adds on top of the protocol's: the relay (or gateway, before decryption) answering
 * something other than an encapsulated response. Everything after decryption is a real `Response`.
 */
import { TacitError } from '../shared/errors.ts';
import { PROBLEM_TYPE_OHTTP_KEY, type Problem } from '../shared/problem.ts';

/** The outer hop answered with an HTTP error (RFC 9457 problem where it sent one). */
export class OuterStatusError extends TacitError {
  readonly isKeyProblem: boolean;

  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    /** Seconds, from the outer `Retry-After`, when the relay or gateway asked the client to wait. */
    readonly retryAfter: number | undefined,
  ) {
    super(
      problem?.type === PROBLEM_TYPE_OHTTP_KEY ? 'ERR_UNKNOWN_KEY' : 'ERR_TRANSPORT',
      `oblivious request refused with ${status}${problem ? `: ${problem.title}` : ''}`,
    );
    this.isKeyProblem = problem?.type === PROBLEM_TYPE_OHTTP_KEY;
  }
}

export async function outerError(res: Response): Promise<OuterStatusError> {
  let problem: Problem | undefined;
  if ((res.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = undefined;
    }
  } else {
    await res.body?.cancel();
  }
  const ra = Number(res.headers.get('retry-after'));
  return new OuterStatusError(res.status, problem, Number.isFinite(ra) && ra >= 0 ? ra : undefined);
}
