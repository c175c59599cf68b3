/** The inner request the gateway benches send: a dated POST of `payload` to the built-in echo target. */
import { encodeRequest } from '../../shared/bhttp/index.ts';

export function echoRequest(payload: Uint8Array): Uint8Array {
  return encodeRequest({
    method: 'POST',
    scheme: 'https',
    authority: 'tacit.local',
    path: '/echo',
    headers: [
      ['content-type', 'application/octet-stream'],
      ['date', new Date().toUTCString()],
    ],
    content: payload,
  });
}
