/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint "Note text"): the signed-note text of a log's tree
 * head, at least three non-empty lines:
 *
 *   <origin>
 *   <tree size, decimal, no leading zeroes>
 *   <base64 RFC 6962 root hash>
 *   [<extension line>...]
 *
 * A checkpoint's text must be ignored unless its note signature verifies, so the only way to get a
 * Checkpoint from untrusted bytes is `openCheckpoint`, which checks the log's key first.
 */
import { toBase64 } from '../bytes.ts';
import { invalidArgument, malformed } from '../errors.ts';
import { HASH_SIZE } from '../merkle/hash.ts';
import { decodeBase64 } from '../note/base64.ts';
import type { NoteSigner, NoteVerifier } from '../note/keys.ts';
import { openNote, signNote } from '../note/note.ts';

export interface Checkpoint {
  /** The log's identity, e.g. `log.tacit.example/receipts`. */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** Opaque optional lines (NOT RECOMMENDED by the spec: monitors cannot audit them). */
  readonly extensions: readonly string[];
}

function checkLine(line: string, what: string): void {
  // A line may hold no newline; the note layer already bans other control characters.
  if (line.length === 0 || line.includes('\n'))
    throw invalidArgument(`checkpoint ${what} must be one non-empty line`);
}

/** The note text of a checkpoint (ends with a newline, ready for signNote). */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, 'origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw invalidArgument('checkpoint size must be a non-negative safe integer');
  if (c.root.length !== HASH_SIZE) throw invalidArgument('checkpoint root hash must be 32 bytes');
  for (const e of c.extensions) checkLine(e, 'extension line');
  return [c.origin, String(c.size), toBase64(c.root), ...c.extensions].map((l) => `${l}\n`).join('');
}

/** Parses checkpoint note text (the part a signature covers). Throws ERR_MALFORMED only. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('checkpoint (no final newline)');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l.length === 0))
    throw malformed('checkpoint (needs three non-empty lines)');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine)) throw malformed('checkpoint tree size');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('checkpoint tree size (too large)');
  const root = decodeBase64(rootLine, 'checkpoint root hash');
  if (root.length !== HASH_SIZE) throw malformed('checkpoint root hash (not 32 bytes)');
  return { origin, size, root, extensions };
}

export function signCheckpoint(c: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(formatCheckpoint(c), signers);
}

/**
 * Verifies a signed checkpoint against the log's keys and checks its origin: the log's key name
 * SHOULD match the origin, but the origin the client expects is what binds the checkpoint to a log.
 */
export async function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  expectedOrigin: string,
): Promise<Checkpoint> {
  const opened = await openNote(note, verifiers);
  const c = parseCheckpoint(opened.text);
  if (c.origin !== expectedOrigin) throw malformed('checkpoint (unexpected origin)');
  return c;
}
