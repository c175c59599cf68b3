/** Attestation providers (types.ts): `dev` for machines without an enclave, `aws-nitro` inside one. */
export { createDevAttester, type DevAttester, type DevAttesterOptions } from './dev.ts';
export { type TrustSetup, trustFromEnv } from './env.ts';
export { devMeasurement, type MeasureInput } from './measure.ts';
export {
  createNitroAttester,
  decodeAttestationResponse,
  encodeAttestationRequest,
  helperTransport,
  NSM_DEVICE,
  type NsmTransport,
} from './nitro.ts';
export type { AttestationRequest, Attester, ProviderName } from './types.ts';
