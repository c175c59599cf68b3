/**
 * HPKE (RFC 9180), base mode, over a pluggable primitives backend.
 *
 *   const suite = new CipherSuite(webPrimitives, KEM.X25519_HKDF_SHA256, KDF.HKDF_SHA256, AEAD.AES_128_GCM);
 *   const { enc, context } = await suite.setupSender(pkR, info);
 *   const ct = await context.seal(aad, pt);
 *   const rx = await suite.setupRecipient(enc, keyPair, info);   // keyPair from primitives.importKeyPair
 *   const pt2 = await rx.open(aad, ct);
 *
 * Backends: `webPrimitives` (this index; browser-safe) and `nodePrimitives`, which must be imported
 * directly from './primitives-node.ts' by Node entry points only. A backend's methods may answer
 * synchronously or with a Promise (`MaybePromise`); the derivations are generators (`*Steps`) run by
 * `run` (steps.ts), so a synchronous backend pays for no promises inside a request setup.
 */
export { HpkeContext, xorCounter } from './context.ts';
export {
  AEAD,
  type AeadId,
  type AeadParams,
  ALL_AEADS,
  ALL_KDFS,
  ALL_KEMS,
  aeadParams,
  type CurveName,
  type HashName,
  isAeadId,
  isKdfId,
  isKemId,
  KDF,
  type KdfId,
  type KdfParams,
  KEM,
  type KemId,
  type KemParams,
  kdfParams,
  kemParams,
} from './ids.ts';
export { DhKem } from './kem.ts';
export type { AeadKey, Bytes, DhKeyPair, DhPublicKey, Primitives } from './primitives.ts';
export { webPrimitives } from './primitives-web.ts';
export { type MaybePromise, run, type Steps } from './steps.ts';
export { CipherSuite, getSuite, type SenderSetup } from './suite.ts';
