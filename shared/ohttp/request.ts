/**
 * RFC 9458 4.3-4.4, client side: encapsulate a request and open its response.
 *
 *   hdr = key_id || kem_id || kdf_id || aead_id;  info = "message/bhttp request" || 0x00 || hdr
 *   enc, sctxt = SetupBaseS(pkR, info);  ct = sctxt.Seal("", request)
 *   Encapsulated Request  = hdr || enc || ct
 *   Encapsulated Response = response_nonce || Seal(aead_key, aead_nonce, "", response)
 */
import { concat } from '../bytes.ts';
import { decryptError, invalidArgument, TacitError } from '../errors.ts';
import type { HpkeContext } from '../hpke/context.ts';
import type { Primitives } from '../hpke/primitives.ts';
import { webPrimitives } from '../hpke/primitives-web.ts';
import { run, type Steps } from '../hpke/steps.ts';
import { type CipherSuite, getSuite } from '../hpke/suite.ts';
import { chooseSuite, type KeyConfig, type SymmetricSuite } from '../keys/config.ts';
import { LABELS } from './constants.ts';
import { buildInfo, encodeHeader } from './header.ts';
import { deriveResponseKeySteps, responseNonceLength } from './response-key.ts';

const EMPTY = new Uint8Array(0);

export interface EncapsulateOptions {
  /** HPKE backend; default WebCrypto. Node callers may pass `nodePrimitives`. */
  primitives?: Primitives;
  /** (KDF, AEAD) to use; default: the config's first supported suite. Must be offered by the config. */
  suite?: SymmetricSuite;
  /** TESTS ONLY: a pinned ephemeral private key (serialized skE) so that known answers reproduce. */
  ephemeralPrivateKey?: Uint8Array;
}

/** What a client keeps after sending a request: the HPKE context that opens the response. */
export interface ClientRequestContext {
  readonly suite: CipherSuite;
  readonly enc: Uint8Array;
  readonly context: HpkeContext;
}

export interface EncapsulatedRequest extends ClientRequestContext {
  /** The `message/ohttp-req` body. */
  readonly encapsulatedRequest: Uint8Array;
  /** Opens the matching `message/ohttp-res` body; ERR_DECRYPT for anything that does not decrypt. */
  openResponse(encapsulatedResponse: Uint8Array): Promise<Uint8Array>;
}

/** Resolves the suite for `config` (shared with the chunked client). */
export function resolveSuite(config: KeyConfig, options: EncapsulateOptions): CipherSuite {
  const wanted = options.suite ?? chooseSuite(config);
  if (wanted === undefined) throw new TacitError('ERR_UNSUPPORTED', 'key config offers no supported suite');
  if (!config.suites.some((s) => s.kdfId === wanted.kdfId && s.aeadId === wanted.aeadId)) {
    throw invalidArgument('suite not offered by the key config');
  }
  return getSuite(options.primitives ?? webPrimitives, config.kemId, wanted.kdfId, wanted.aeadId);
}

/** Sets up the sender context for `label` and returns hdr || enc and the context. */
export function* setupClientSteps(
  config: KeyConfig,
  label: Uint8Array,
  options: EncapsulateOptions,
): Steps<{ header: Uint8Array } & ClientRequestContext> {
  const suite = resolveSuite(config, options);
  const hdr = encodeHeader(config, { kdfId: suite.kdf.id, aeadId: suite.aead.id });
  const info = buildInfo(label, hdr);
  const { enc, context } = yield* suite.setupSenderSteps(config.publicKey, info, options.ephemeralPrivateKey);
  return { header: concat(hdr, enc), suite, enc, context };
}

export async function setupClient(
  config: KeyConfig,
  label: Uint8Array,
  options: EncapsulateOptions,
): Promise<{ header: Uint8Array } & ClientRequestContext> {
  return run(setupClientSteps(config, label, options));
}

function* encapsulateSteps(
  config: KeyConfig,
  request: Uint8Array,
  options: EncapsulateOptions,
): Steps<EncapsulatedRequest> {
  const { header, suite, enc, context } = yield* setupClientSteps(config, LABELS.request, options);
  const ct = yield* context.sealSteps(EMPTY, request);
  const ctx: ClientRequestContext = { suite, enc, context };
  return {
    suite,
    enc,
    context,
    encapsulatedRequest: concat(header, ct),
    openResponse: (encapsulatedResponse) => openResponse(ctx, encapsulatedResponse),
  };
}

export async function encapsulateRequest(
  config: KeyConfig,
  request: Uint8Array,
  options: EncapsulateOptions = {},
): Promise<EncapsulatedRequest> {
  if (!(request instanceof Uint8Array)) throw invalidArgument('request must be a Uint8Array');
  return run(encapsulateSteps(config, request, options));
}

function* openResponseSteps(ctx: ClientRequestContext, encapsulatedResponse: Uint8Array): Steps<Uint8Array> {
  const { suite } = ctx;
  const n = responseNonceLength(suite);
  if (encapsulatedResponse.length < n + suite.aead.Nt) throw decryptError();
  const responseNonce = encapsulatedResponse.subarray(0, n);
  const rk = yield* deriveResponseKeySteps(suite, ctx.context, ctx.enc, LABELS.response, responseNonce);
  try {
    return (yield rk.aead.open(rk.nonce, EMPTY, encapsulatedResponse.subarray(n))) as Uint8Array;
  } catch (cause) {
    throw decryptError(cause);
  }
}

/** RFC 9458 4.4, client side. Every failure, a short body included, is ERR_DECRYPT. */
export async function openResponse(
  ctx: ClientRequestContext,
  encapsulatedResponse: Uint8Array,
): Promise<Uint8Array> {
  if (!(encapsulatedResponse instanceof Uint8Array)) throw invalidArgument('response must be a Uint8Array');
  return run(openResponseSteps(ctx, encapsulatedResponse));
}
