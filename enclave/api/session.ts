/**
 * Agent sessions and the prefix-cache salt.
 *
 * A session id is chosen by the client and is a capability: whoever knows it can continue, pause or
 * close the conversation and may hit its cached prefix. So it must be long and unguessable (16-128
 * URL-safe characters, e.g. a random UUID or 128-bit base64url), it is never echoed in errors and
 * never logged, and the engine never holds it: it keys the session by a hash of it
 * (`engineSessionKey`) and scopes the cache by another (`cacheSaltFor`), so nothing the engine keeps
 * (session table, offloaded KV, stats) lets anyone take the session over.
 *
 * Salt (why it exists): a prefix-cache hit is visible as a faster first token, which would let one
 * client learn what another one sent. So cache sharing is scoped: by the session (the same agent
 * reuses its own prefix across turns), or, with no session, by a fresh random salt (no sharing at
 * all). Only a prompt that begins with an operator-declared public prefix uses the salt 'public'.
 */
import { createHash, randomBytes } from 'node:crypto';
import { invalidRequest } from './errors.ts';

/** The header that may name a session instead of the body's `session_id`. */
export const SESSION_HEADER = 'tacit-session-id';

const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;

export function isSessionId(s: string): boolean {
  return SESSION_ID.test(s);
}

export function requireSessionId(s: string, param: string): string {
  if (!isSessionId(s)) {
    throw invalidRequest(`${param} must be 16 to 128 characters of A-Z, a-z, 0-9, '-' or '_'`, param);
  }
  return s;
}

/** The session a request names, from the body or the header; both must agree when both are given. */
export function sessionOf(bodyValue: unknown, headerValue: string | undefined): string | undefined {
  if (bodyValue !== undefined && bodyValue !== null && typeof bodyValue !== 'string') {
    throw invalidRequest('session_id must be a string', 'session_id', 'invalid_type');
  }
  const fromBody = typeof bodyValue === 'string' ? requireSessionId(bodyValue, 'session_id') : undefined;
  const fromHeader = headerValue === undefined ? undefined : requireSessionId(headerValue, SESSION_HEADER);
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw invalidRequest(`session_id and the ${SESSION_HEADER} header name different sessions`, 'session_id');
  }
  return fromBody ?? fromHeader;
}

/** A one-way, domain-separated hash (SHA-256, base64url). */
function tagged(domain: string, id: string): string {
  return createHash('sha256').update(`${domain}\0${id}`).digest('base64url');
}

/** The name the engine knows a session by. */
export function engineSessionKey(sessionId: string): string {
  return `k:${tagged('tacit-session-key', sessionId)}`;
}

export const PUBLIC_SALT = 'public';

/** Starts `tokens` with `prefix`? */
function startsWith(tokens: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length === 0 || prefix.length > tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}

/**
 * The salt for one request. `publicPrefixes` are token sequences the operator declared shared
 * (e.g. the tokens of a public system prompt); a prompt that begins with one shares cache with
 * every other such prompt.
 */
export function cacheSaltFor(
  promptTokens: readonly number[],
  sessionId: string | undefined,
  publicPrefixes: readonly (readonly number[])[],
): string {
  if (publicPrefixes.some((p) => startsWith(promptTokens, p))) return PUBLIC_SALT;
  if (sessionId !== undefined) {
    return `s:${tagged('tacit-cache-salt', sessionId)}`;
  }
  return `r:${randomBytes(16).toString('base64url')}`;
}
