/**
 * RFC 9458 4.3-4.4 and 5.2, gateway side: decapsulate a request with one of a set of keys, then seal
 * the response.
 *
 * Errors, in the order they can happen (the server edge maps them to statuses, RFC 9458 5.2):
 * - ERR_TRUNCATED: fewer than the 7 header bytes; nothing to look up.
 * - ERR_UNKNOWN_KEY: no key with this key id, KEM, KDF and AEAD (the `ohttp-key` problem type).
 * - ERR_DECRYPT: everything else that does not decrypt (short enc, bad point, bad tag), always with
 *   the same message so that the gateway is no oracle.
 */
import { concat } from '../bytes.ts';
import { decryptError, invalidArgument, isTacitError } from '../errors.ts';
import type { HpkeContext } from '../hpke/context.ts';
import { run, type Steps } from '../hpke/steps.ts';
import { type CipherSuite, getSuite } from '../hpke/suite.ts';
import type { ServerKey } from '../keys/keypair.ts';
import { LABELS } from './constants.ts';
import { buildInfo, HEADER_LENGTH, lookupKey, type ParsedRequestHeader } from './header.ts';
import { deriveResponseKeySteps, responseNonceLength } from './response-key.ts';

const EMPTY = new Uint8Array(0);

export interface SealResponseOptions {
  /** TESTS ONLY: a pinned response nonce (max(Nn, Nk) bytes) so that known answers reproduce. */
  responseNonce?: Uint8Array;
}

export interface DecapsulatedRequest {
  readonly keyId: number;
  /** The encapsulated KEM key, unique per request: the replay cache's key (RFC 9458 6.5). */
  readonly enc: Uint8Array;
  readonly kemId: number;
  readonly kdfId: number;
  readonly aeadId: number;
  readonly suite: CipherSuite;
  /** The inner request (the `message/bhttp` bytes). Never log it. */
  readonly request: Uint8Array;
  /** RFC 9458 4.4: the `message/ohttp-res` body for `response`. */
  sealResponse(response: Uint8Array, options?: SealResponseOptions): Promise<Uint8Array>;
}

/** Sets up the recipient context for a parsed header (shared with the chunked gateway). */
export function* setupGatewaySteps(
  parsed: ParsedRequestHeader,
  label: Uint8Array,
): Steps<{ suite: CipherSuite; context: HpkeContext }> {
  const { key } = parsed;
  const suite = getSuite(key.primitives, parsed.kemId, parsed.kdfId, parsed.aeadId);
  const info = buildInfo(label, parsed.hdr);
  return { suite, context: yield* suite.setupRecipientSteps(parsed.enc, key.keyPair, info) };
}

export async function setupGateway(
  parsed: ParsedRequestHeader,
  label: Uint8Array,
): Promise<{ suite: CipherSuite; context: HpkeContext }> {
  return run(setupGatewaySteps(parsed, label));
}

/**
 * Parses and looks up the header of an encapsulated request without decrypting anything, for a
 * gateway that wants the key id or `enc` first. Throws ERR_TRUNCATED / ERR_UNKNOWN_KEY as above.
 */
export function parseEncapsulatedRequest(keys: readonly ServerKey[], bytes: Uint8Array): ParsedRequestHeader {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('request must be a Uint8Array');
  return lookupKey(keys, bytes);
}

export async function decapsulateRequest(
  keys: readonly ServerKey[],
  encapsulatedRequest: Uint8Array,
): Promise<DecapsulatedRequest> {
  let parsed: ParsedRequestHeader;
  try {
    parsed = parseEncapsulatedRequest(keys, encapsulatedRequest);
  } catch (e) {
    // A cut `enc` is past the key lookup: it simply does not decrypt.
    if (isTacitError(e, 'ERR_TRUNCATED') && encapsulatedRequest.length >= HEADER_LENGTH) throw decryptError();
    throw e;
  }
  return run(decapsulateSteps(parsed, encapsulatedRequest));
}

function* decapsulateSteps(
  parsed: ParsedRequestHeader,
  encapsulatedRequest: Uint8Array,
): Steps<DecapsulatedRequest> {
  const { suite, context } = yield* setupGatewaySteps(parsed, LABELS.request);
  const request = yield* context.openSteps(EMPTY, encapsulatedRequest.subarray(parsed.length));
  const { keyId, enc, kemId, kdfId, aeadId } = parsed;
  return {
    keyId,
    enc,
    kemId,
    kdfId,
    aeadId,
    suite,
    request,
    async sealResponse(response, options = {}) {
      if (!(response instanceof Uint8Array)) throw invalidArgument('response must be a Uint8Array');
      return run(sealResponseSteps(suite, context, enc, response, options.responseNonce));
    },
  };
}

/** RFC 9458 4.4, gateway side: response_nonce || Seal(aead_key, aead_nonce, "", response). */
function* sealResponseSteps(
  suite: CipherSuite,
  context: HpkeContext,
  enc: Uint8Array,
  response: Uint8Array,
  pinnedNonce: Uint8Array | undefined,
): Steps<Uint8Array> {
  const nonce = pinnedNonce ?? suite.primitives.randomBytes(responseNonceLength(suite));
  const rk = yield* deriveResponseKeySteps(suite, context, enc, LABELS.response, nonce);
  return concat(nonce, (yield rk.aead.seal(rk.nonce, EMPTY, response)) as Uint8Array);
}
