/** C2SP signed-note: the PeterNeumann known answer, the format rules, and tampering properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, utf8 } from '../../../shared/bytes.ts';
import { isTacitError } from '../../../shared/errors.ts';
import {
  formatVerifierKey,
  generateNoteKey,
  hasControlCharacter,
  keyIdHex,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
} from '../../../shared/note/keys.ts';
import { openNote, parseNote, signNote } from '../../../shared/note/note.ts';
import { rejectionCode } from '../../support/errors.ts';
import { fcParams } from '../../support/seed.ts';
import { loadVector } from '../../support/vectors.ts';

interface NoteVector {
  verifier_key: string;
  signer_key_test_only: string;
  key_name: string;
  key_id_hex: string;
  ed25519_public_key_hex: string;
  note_text: string;
  signature_line: string;
  full_note: string;
}
const v = loadVector<NoteVector>('signed-note-vector.json');

describe('signed note known answer (PeterNeumann)', () => {
  it('derives the key id and verifier key from name and public key', async () => {
    const signer = await parseSignerKey(v.signer_key_test_only);
    expect(bytesToHex(signer.publicKey)).toBe(v.ed25519_public_key_hex);
    expect(keyIdHex(await noteKeyId(v.key_name, signer.publicKey))).toBe(v.key_id_hex);
    expect(await formatVerifierKey(v.key_name, signer.publicKey)).toBe(v.verifier_key);
  });

  it('signs the note text to exactly the published note', async () => {
    const signer = await parseSignerKey(v.signer_key_test_only);
    expect(await signNote(v.note_text, [signer])).toBe(v.full_note);
  });

  it('verifies the published note and returns its text', async () => {
    const verifier = await parseVerifierKey(v.verifier_key);
    const opened = await openNote(v.full_note, [verifier]);
    expect(opened.text).toBe(v.note_text);
    expect(opened.verifiedBy).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
  });

  it('rejects a changed text, and a note with no known signer', async () => {
    const verifier = await parseVerifierKey(v.verifier_key);
    expect(await rejectionCode(openNote(v.full_note.replace('answer', 'Answer'), [verifier]))).toBe(
      'ERR_VERIFY',
    );
    const other = await parseVerifierKey(
      (await generateNoteKey('PeterNeumann', new Uint8Array(32).fill(7))).verifierKey,
    );
    expect(await rejectionCode(openNote(v.full_note, [other]))).toBe('ERR_VERIFY');
    expect(await rejectionCode(openNote(v.full_note, []))).toBe('ERR_VERIFY');
  });

  it('ignores signatures from unknown keys, even with a known name', async () => {
    const verifier = await parseVerifierKey(v.verifier_key);
    const stranger = await parseSignerKey(
      (await generateNoteKey('PeterNeumann', new Uint8Array(32).fill(9))).signerKey,
    );
    const note = await signNote(v.note_text, [stranger], parseNote(v.full_note).signatures);
    const opened = await openNote(note, [verifier]);
    expect(opened.signatures).toHaveLength(2);
    expect(opened.verifiedBy).toHaveLength(1);
  });

  it('rejects a bad signature from a known key even when another known key signed', async () => {
    const a = await generateNoteKey('a.example/log', new Uint8Array(32).fill(1));
    const b = await generateNoteKey('b.example/log', new Uint8Array(32).fill(2));
    const [sa, sb] = await Promise.all([parseSignerKey(a.signerKey), parseSignerKey(b.signerKey)]);
    const good = await signNote('hello\n', [sa]);
    const forged = { name: sb.name, keyId: sb.keyId, signature: new Uint8Array(64) };
    const note = await signNote('hello\n', [sa], [forged]);
    const verifiers = await Promise.all([parseVerifierKey(a.verifierKey), parseVerifierKey(b.verifierKey)]);
    await openNote(good, verifiers);
    expect(await rejectionCode(openNote(note, verifiers))).toBe('ERR_VERIFY');
  });
});

describe('signed note format rules', () => {
  it.each([
    ['no final newline', 'text\n\n\u2014 k AAAAAAA='],
    ['no blank line', 'text\n\u2014 k AAAAAAA=\n'],
    ['control character', 'te\tx\n\n\u2014 k AAAAAAA=\n'],
    ['hyphen instead of em dash', 'text\n\n- k AAAAAAA=\n'],
    ['short signature', 'text\n\n\u2014 k AAAA\n'],
    ['non-canonical base64', 'text\n\n\u2014 k AAAAAAB=\n'],
    ['plus in key name', 'text\n\n\u2014 k+1 AAAAAAA=\n'],
    ['empty key name', 'text\n\n\u2014  AAAAAAA=\n'],
  ])('rejects a note with %s', (_what, note) => {
    expect(() => parseNote(note)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });

  it('rejects invalid UTF-8', () => {
    const bytes = utf8.encode('text\n\n\u2014 k AAAAAAA=\n');
    bytes[1] = 0xff;
    expect(() => parseNote(bytes)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });

  it('separates text and signatures at the last blank line', () => {
    const n = parseNote('a\n\nb\n\n\u2014 k AAAAAAA=\n');
    expect(n.text).toBe('a\n\nb\n');
    expect(n.signatures).toEqual([{ name: 'k', keyId: 0, signature: new Uint8Array(1) }]);
  });

  it('refuses to sign text without a final newline or with control characters', async () => {
    const s = await parseSignerKey(v.signer_key_test_only);
    expect(await rejectionCode(signNote('no newline', [s]))).toBe('ERR_MALFORMED');
    expect(await rejectionCode(signNote('bell\u0007\n', [s]))).toBe('ERR_MALFORMED');
  });

  it('rejects malformed verifier keys', async () => {
    for (const k of [
      v.verifier_key.replace('c74f20a3', 'c74f20a4'), // id does not match the key
      v.verifier_key.replace('+ARpc', '+AhJc'), // wrong type byte
      'PeterNeumann+c74f20a3',
      `Peter Neumann+${v.verifier_key.split('+').slice(1).join('+')}`,
    ]) {
      expect(await rejectionCode(parseVerifierKey(k))).toBe('ERR_MALFORMED');
    }
  });
});

describe('signed note properties', () => {
  it('rejects a change to any byte of a signed note, only ever with a TacitError', async () => {
    const verifier = await parseVerifierKey(v.verifier_key);
    const bytes = utf8.encode(v.full_note);
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const t = bytes.slice();
        t[i]! ^= x;
        const code = await rejectionCode(openNote(t, [verifier]));
        expect(['ERR_MALFORMED', 'ERR_VERIFY']).toContain(code);
      }),
      fcParams(300),
    );
  });

  it('round-trips any valid text through sign and open', async () => {
    const key = await generateNoteKey('example.com/prop', new Uint8Array(32).fill(3));
    const [signer, verifier] = await Promise.all([
      parseSignerKey(key.signerKey),
      parseVerifierKey(key.verifierKey),
    ]);
    const line = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !hasControlCharacter(s, false));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 5 }), async (lines) => {
        const text = `${lines.join('\n')}\n`;
        const opened = await openNote(await signNote(text, [signer]), [verifier]);
        expect(opened.text).toBe(text);
      }),
      fcParams(100),
    );
  });

  it('parseNote throws only TacitError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          parseNote(b);
        } catch (e) {
          expect(isTacitError(e)).toBe(true);
        }
      }),
      fcParams(500),
    );
  });
});
