/**
 * RFC 9457 problem details, and the problem types that RFC 9458 registers for OHTTP.
 * Servers map a `TacitError` to a status and a problem here, at their edge, and nowhere else.
 */
import type { TacitError } from './errors.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** RFC 9458 section 5.3 / 6.5 problem types (IANA "HTTP Problem Types" registry). */
export const PROBLEM_TYPE_OHTTP_KEY = 'https://iana.org/assignments/http-problem-types#ohttp-key';
export const PROBLEM_TYPE_DATE = 'https://iana.org/assignments/http-problem-types#date';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export function problem(status: number, title: string, type = 'about:blank', detail?: string): Problem {
  return detail === undefined ? { type, title, status } : { type, title, status, detail };
}

/**
 * The status and problem a gateway answers for an error raised before or while decrypting.
 * Details are deliberately generic: nothing that helps an attacker tell failures apart.
 */
export function problemFor(err: TacitError): Problem {
  switch (err.code) {
    case 'ERR_UNKNOWN_KEY':
    case 'ERR_UNSUPPORTED':
      return problem(422, 'key configuration not recognised', PROBLEM_TYPE_OHTTP_KEY);
    case 'ERR_DATE':
      return problem(400, 'date not acceptable', PROBLEM_TYPE_DATE);
    case 'ERR_TOO_LARGE':
      return problem(413, 'content too large');
    default:
      return problem(400, 'bad request');
  }
}

export function problemResponse(p: Problem, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, ...headers },
  });
}
