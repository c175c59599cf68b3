/**
 * The tacit client SDK. Web APIs only (WebCrypto, web streams, fetch), so it runs in browsers and on
 * Node alike.
 *
 *   const client = createClient({ relay: 'https://relay.example/relay', keys: 'https://relay.example/relay/ohttp-keys' });
 *   const res = await client.fetch('https://tacit.local/v1/models');
 *   const openai = new OpenAI({ baseURL: 'https://tacit.local/v1', apiKey: 'unused', fetch: client.fetch });
 */

export { TacitError, type TacitErrorCode } from '../shared/errors.ts';
export { type ClientOptions, createClient, type TacitClient } from './client.ts';
export { OuterStatusError } from './errors.ts';
export { type KeysInput, parseKeysBody } from './keys.ts';
export type { ResponseWithTrailers } from './send-chunked.ts';
export type { ClientReceipt } from './verify/attach.ts';
export type { TrustPolicy, VerifiedGateway, VerifiedReceipt } from './verify/index.ts';
