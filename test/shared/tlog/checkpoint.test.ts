/** c2sp.org/tlog-checkpoint text, signed as a note. */
import { describe, expect, it } from 'vitest';
import { bytesToHex, fromBase64 } from '../../../shared/bytes.ts';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../../shared/note/keys.ts';
import {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../../shared/tlog/checkpoint.ts';

const SPEC_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

describe('checkpoint text', () => {
  it('parses and re-formats the spec example byte for byte', () => {
    const c = parseCheckpoint(SPEC_TEXT);
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(bytesToHex(c.root)).toBe(bytesToHex(fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')));
    expect(c.extensions).toEqual([]);
    expect(formatCheckpoint(c)).toBe(SPEC_TEXT);
  });

  it('keeps extension lines', () => {
    const text = `${SPEC_TEXT}ext one\next two\n`;
    expect(parseCheckpoint(text).extensions).toEqual(['ext one', 'ext two']);
    expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
  });

  it.each([
    ['a leading zero in the size', SPEC_TEXT.replace('20852163', '020852163')],
    ['a signed size', SPEC_TEXT.replace('20852163', '+20852163')],
    ['a size beyond 2^53', SPEC_TEXT.replace('20852163', '18446744073709551615')],
    ['a short root', SPEC_TEXT.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'CsUY')],
    ['unpadded base64', SPEC_TEXT.replace('q2I=', 'q2I')],
    ['two lines', 'origin\n5\n'],
    ['an empty extension line', `${SPEC_TEXT}\nx\n`],
    ['an empty origin', `\n${SPEC_TEXT.split('\n').slice(1).join('\n')}`],
    ['no final newline', SPEC_TEXT.slice(0, -1)],
  ])('rejects %s', (_what, text) => {
    expect(() => parseCheckpoint(text)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED' }));
  });

  it('accepts the empty tree as size 0', () => {
    expect(parseCheckpoint(SPEC_TEXT.replace('20852163', '0')).size).toBe(0);
  });
});

describe('signed checkpoints', () => {
  const origin = 'log.tacit.example/receipts';
  const c: Checkpoint = { origin, size: 42, root: new Uint8Array(32).fill(0xab), extensions: [] };

  it('signs, opens, and binds the checkpoint to its origin and key', async () => {
    const key = await generateNoteKey(origin, new Uint8Array(32).fill(5));
    const signer = await parseSignerKey(key.signerKey);
    const verifier = await parseVerifierKey(key.verifierKey);
    const note = await signCheckpoint(c, [signer]);
    expect(note.startsWith(`${origin}\n42\n`)).toBe(true);
    const opened = await openCheckpoint(note, [verifier], origin);
    expect(opened.size).toBe(42);
    expect(opened.root).toEqual(c.root);
    await expect(openCheckpoint(note, [verifier], 'other.example/log')).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
    });
    await expect(openCheckpoint(note.replace('\n42\n', '\n43\n'), [verifier], origin)).rejects.toMatchObject({
      code: 'ERR_VERIFY',
    });
  });
});
