/**
 * The project's typed errors. Every decoder and every protocol operation throws only `TacitError`.
 *
 * - `code` is a stable string from a closed union, so `switch (err.code)` narrows.
 * - The HTTP status and problem type are decided only at a server edge (`problemFor`), never here.
 * - Every decryption failure carries the same code and message (`ERR_DECRYPT`, "decryption failed"),
 *   whatever went wrong inside, so that an error is never an oracle.
 */

export type TacitErrorCode =
  /** Input ended before a complete structure was read (truncation). */
  | 'ERR_TRUNCATED'
  /** A QUIC varint used more bytes than needed where the RFC requires the minimal form. */
  | 'ERR_NON_MINIMAL'
  /** Input is structurally invalid (bad framing indicator, bad field, trailing garbage...). */
  | 'ERR_MALFORMED'
  /** A value is valid but not supported here (unknown KEM/KDF/AEAD id, unsupported framing). */
  | 'ERR_UNSUPPORTED'
  /** The key identifier or suite of an encapsulated request matches no key configuration (RFC 9458 5.2). */
  | 'ERR_UNKNOWN_KEY'
  /** AEAD open or HPKE setup failed. One message for every cause. */
  | 'ERR_DECRYPT'
  /** A chunked stream ended without its final chunk: the message is truncated, never complete. */
  | 'ERR_STREAM_TRUNCATED'
  /** A message or field exceeded a configured size limit. */
  | 'ERR_TOO_LARGE'
  /** A request's Date is outside the accepted window, or its encapsulation was already seen (RFC 9458 6.5). */
  | 'ERR_DATE'
  /** An argument passed by the caller is invalid (wrong type or length). */
  | 'ERR_INVALID_ARGUMENT'
  /** Attestation evidence, a manifest, a receipt or a signature did not verify. */
  | 'ERR_VERIFY'
  /** A transport failure talking to a relay, gateway or upstream. */
  | 'ERR_TRANSPORT';

export class TacitError extends Error {
  override readonly name = 'TacitError';
  readonly code: TacitErrorCode;

  constructor(code: TacitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The single message for every decryption failure (see the file comment). */
export const DECRYPT_FAILED = 'decryption failed';

export function decryptError(cause?: unknown): TacitError {
  return new TacitError('ERR_DECRYPT', DECRYPT_FAILED, { cause });
}

export function truncated(what: string): TacitError {
  return new TacitError('ERR_TRUNCATED', `truncated ${what}`);
}

export function malformed(what: string): TacitError {
  return new TacitError('ERR_MALFORMED', `malformed ${what}`);
}

export function invalidArgument(what: string): TacitError {
  return new TacitError('ERR_INVALID_ARGUMENT', what);
}

export function isTacitError(e: unknown, code?: TacitErrorCode): e is TacitError {
  return e instanceof TacitError && (code === undefined || e.code === code);
}
