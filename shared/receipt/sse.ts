/**
 * What a receipt commits to for a server-sent event stream: the body without its comment lines.
 * HTML "Server-sent events" 9.2.6: a line that starts with a colon is ignored by every consumer, and
 * the gateway's traffic shaping fills cells with such lines (gateway/shaping/cells.ts), so the bytes
 * on the wire differ from the target's while the events do not. Both sides commit to the events with
 * this one filter: the gateway before shaping, the client after.
 */
import { mediaTypeOf } from '../media-type.ts';

const LF = 0x0a;
const COLON = 0x3a;

/** A streaming filter that drops every line starting with ':' (and its LF). */
export class SseCommentFilter {
  private atLineStart = true;
  private inComment = false;

  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const b of chunk) {
      if (this.inComment) {
        if (b === LF) {
          this.inComment = false;
          this.atLineStart = true;
        }
        continue;
      }
      if (this.atLineStart && b === COLON) {
        this.inComment = true;
        continue;
      }
      out[n++] = b;
      this.atLineStart = b === LF;
    }
    return out.subarray(0, n);
  }
}

export function isEventStream(contentType: string | null): boolean {
  return mediaTypeOf(contentType) === 'text/event-stream';
}

/** The committed form of a whole body. */
export function withoutSseComments(body: Uint8Array): Uint8Array {
  return new SseCommentFilter().push(body);
}
