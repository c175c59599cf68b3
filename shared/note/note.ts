/**
 * C2SP signed notes (c2sp.org/signed-note "Format"): a text ending in a newline, a blank line, then
 * one or more signature lines `— <key name> base64(key ID || signature)` (U+2014 em dash). The whole
 * note is valid UTF-8 with no ASCII control characters other than newline.
 *
 * Verification ("Signatures"): signatures from unknown keys are ignored; a signature whose name and
 * key ID both match a known key must verify, or the whole note is rejected; at least one known key
 * must have signed. Parsing throws ERR_MALFORMED, verification ERR_VERIFY, and nothing else.
 */
import { concat, toBase64, utf8 } from '../bytes.ts';
import { invalidArgument, malformed, TacitError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';
import { hasControlCharacter, isValidKeyName, type NoteSigner, type NoteVerifier } from './keys.ts';

/** The spec asks verifiers to accept at least 16 signatures and to bound the count. */
export const MAX_SIGNATURES = 100;
/** A bound on the whole note, like golang.org/x/mod/sumdb/note's. */
export const MAX_NOTE_SIZE = 1 << 20;

const SIG_PREFIX = '\u2014 ';

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature proper, without the 4-byte key ID. */
  readonly signature: Uint8Array;
}

export interface Note {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface VerifiedNote extends Note {
  /** The known keys whose signatures verified. */
  readonly verifiedBy: readonly { name: string; keyId: number }[];
}

/** Note text rules: ends in a newline, no control characters other than newline. */
export function checkNoteText(text: string): void {
  if (!text.endsWith('\n') || hasControlCharacter(text, true)) throw malformed('note text');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed('note (not UTF-8)');
  }
}

/** Splits a signed note into text and signature lines (no cryptography). */
export function parseNote(input: string | Uint8Array): Note {
  const bytes = typeof input === 'string' ? utf8.encode(input) : input;
  if (bytes.length > MAX_NOTE_SIZE) throw malformed('note (too large)');
  const s = decodeUtf8(bytes);
  if (hasControlCharacter(s, true)) throw malformed('note (control character)');
  // The text is separated from the signatures by the last empty line.
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note (no signature block)');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (!block.endsWith('\n')) throw malformed('note (signature block must end with a newline)');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed('note (too many signatures)');
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed('note signature line');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    if (space < 0) throw malformed('note signature line');
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) throw malformed('note signature key name');
    const blob = decodeBase64(rest.slice(space + 1), 'note signature');
    if (blob.length < 5) throw malformed('note signature (too short)');
    const keyId = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0;
    return { name, keyId, signature: blob.slice(4) };
  });
  return { text, signatures };
}

export function formatSignatureLine(sig: NoteSignature): string {
  const id = Uint8Array.of(
    sig.keyId >>> 24,
    (sig.keyId >>> 16) & 0xff,
    (sig.keyId >>> 8) & 0xff,
    sig.keyId & 0xff,
  );
  return `${SIG_PREFIX}${sig.name} ${toBase64(concat(id, sig.signature))}\n`;
}

export function formatNote(note: Note): string {
  checkNoteText(note.text);
  if (note.signatures.length === 0) throw invalidArgument('a signed note needs at least one signature');
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/** Signs `text` with every signer; existing signatures (e.g. cosignatures) can be appended after. */
export async function signNote(
  text: string,
  signers: readonly NoteSigner[],
  keep: readonly NoteSignature[] = [],
): Promise<string> {
  checkNoteText(text);
  const msg = utf8.encode(text);
  const fresh = await Promise.all(
    signers.map(async (s) => ({ name: s.name, keyId: s.keyId, signature: await s.sign(msg) })),
  );
  return formatNote({ text, signatures: [...fresh, ...keep] });
}

/** Parses and verifies a signed note against the caller's known keys. */
export async function openNote(
  input: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): Promise<VerifiedNote> {
  const note = parseNote(input);
  const msg = utf8.encode(note.text);
  const verifiedBy: { name: string; keyId: number }[] = [];
  for (const sig of note.signatures) {
    const v = verifiers.find((k) => k.name === sig.name && k.keyId === sig.keyId);
    if (!v) continue; // unknown key, even if it shares a name or an ID with a known one
    if (!(await v.verify(msg, sig.signature))) {
      throw new TacitError('ERR_VERIFY', `note signature by ${sig.name} does not verify`);
    }
    if (!verifiedBy.some((k) => k.name === v.name && k.keyId === v.keyId))
      verifiedBy.push({ name: v.name, keyId: v.keyId });
  }
  if (verifiedBy.length === 0) throw new TacitError('ERR_VERIFY', 'note is not signed by any known key');
  return { ...note, verifiedBy };
}
