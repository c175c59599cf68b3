/**
 * C2SP tlog-tiles entry bundles ("Log entries"): a sequence of big-endian uint16 length-prefixed log
 * entries, at most 256, beside the level-0 tile with the same index and width. Each entry hashes
 * (RFC 6962 leaf hash) to the corresponding hash of that tile.
 */
import { concat, equalBytes } from '../bytes.ts';
import { invalidArgument, malformed, TacitError, truncated } from '../errors.ts';
import { HASH_SIZE, leafHash } from '../merkle/hash.ts';
import { TILE_WIDTH } from './tile.ts';

export const MAX_ENTRY_SIZE = 0xffff;

export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0 || entries.length > TILE_WIDTH)
    throw invalidArgument('an entry bundle holds 1..256 entries');
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length > MAX_ENTRY_SIZE) throw invalidArgument('log entry larger than 65535 bytes');
    parts.push(Uint8Array.of(e.length >> 8, e.length & 0xff), e);
  }
  return concat(...parts);
}

/** Decodes a bundle; throws ERR_TRUNCATED or ERR_MALFORMED only. */
export function decodeEntryBundle(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (out.length === TILE_WIDTH) throw malformed('entry bundle (more than 256 entries)');
    if (off + 2 > bytes.length) throw truncated('entry bundle length');
    const n = (bytes[off]! << 8) | bytes[off + 1]!;
    off += 2;
    if (off + n > bytes.length) throw truncated('entry bundle entry');
    out.push(bytes.slice(off, off + n));
    off += n;
  }
  if (out.length === 0) throw malformed('entry bundle (empty)');
  return out;
}

/** Checks a bundle against its (already verified) level-0 tile: same count, each entry's leaf hash. */
export async function verifyEntryBundle(entries: readonly Uint8Array[], tile: Uint8Array): Promise<void> {
  if (tile.length !== entries.length * HASH_SIZE)
    throw new TacitError('ERR_VERIFY', 'entry bundle does not match its tile');
  for (const [i, e] of entries.entries()) {
    if (!equalBytes(await leafHash(e), tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))) {
      throw new TacitError('ERR_VERIFY', 'entry bundle does not match its tile');
    }
  }
}
