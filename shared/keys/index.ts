/**
 * OHTTP key configurations and gateway key pairs.
 *
 * Wire (RFC 9458 3):
 *   encodeKeyConfig(config) / decodeKeyConfig(bytes)            one Key Config (3.1)
 *   encodeKeyConfigList(configs) / decodeKeyConfigList(bytes)   `application/ohttp-keys` (3.2);
 *                                                               configs with an unknown KEM are skipped
 *   chooseSuite(config)                                          first (KDF, AEAD) this library implements
 *
 * Key pairs (gateway, key store, `tacit keygen`):
 *   generateOhttpKey({ keyId, kemId?, suites? }, primitives?)   -> OhttpKey { config, privateKey }
 *   ohttpKeyToJson(key) / ohttpKeyFromJson(json)                  JSON file form, base64 key bytes
 *   importServerKey(key, primitives?)                              -> ServerKey, for decapsulateRequest
 *
 * Every decoder throws only TacitError. `primitives` defaults to the browser-safe WebCrypto backend;
 * Node servers pass `nodePrimitives` from 'shared/hpke/primitives-node.ts'.
 */
export {
  chooseSuite,
  decodeKeyConfig,
  decodeKeyConfigList,
  encodeKeyConfig,
  encodeKeyConfigList,
  type KeyConfig,
  type SymmetricSuite,
} from './config.ts';
export {
  DEFAULT_SUITES,
  type GenerateOptions,
  generateOhttpKey,
  importServerKey,
  type OhttpKey,
  type OhttpKeyJson,
  ohttpKeyFromJson,
  ohttpKeyToJson,
  type ServerKey,
} from './keypair.ts';
