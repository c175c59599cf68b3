export type { DecodedMessage } from './decode.ts';
export { decodeMessage, decodeRequest, decodeResponse } from './decode.ts';
export type { RequestInput, ResponseInput } from './encode.ts';
export { encodeRequest, encodeResponse } from './encode.ts';
export * from './types.ts';
