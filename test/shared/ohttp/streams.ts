/** Stream helpers for the chunked tests. */
import { bytesToHex } from '../../../shared/bytes.ts';

export async function collect(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const reader = s.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

export async function collectHex(s: ReadableStream<Uint8Array>): Promise<string[]> {
  return (await collect(s)).map(bytesToHex);
}

/** `bytes` cut into pieces of `size` (the last one shorter), as a transport might deliver them. */
export function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.slice(o, o + size));
  return out;
}
