import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decode,
  decodeText,
  encode,
  SPECIAL,
  STOP_TOKENS,
  specialTokenId,
  specialTokenName,
  stopSequences,
  Utf8StreamDecoder,
  VOCAB_SIZE,
} from '../../enclave/tokenizer/index.ts';
import { isTacitError } from '../../shared/errors.ts';
import { fcParams } from '../support/seed.ts';

describe('byte-level vocabulary', () => {
  it('has 256 bytes then the special tokens', () => {
    expect(VOCAB_SIZE).toBe(264);
    expect(SPECIAL.bos).toBe(256);
    expect(specialTokenName(SPECIAL.end)).toBe('<|end|>');
    expect(specialTokenId('<|assistant|>')).toBe(SPECIAL.assistant);
    expect(specialTokenName(65)).toBeUndefined();
    expect(specialTokenId('<|nope|>')).toBeUndefined();
    expect(STOP_TOKENS).toEqual([SPECIAL.end, SPECIAL.eos]);
    expect(stopSequences()).toEqual([[SPECIAL.end], [SPECIAL.eos]]);
  });
});

describe('encode / decode', () => {
  it('encodes known strings to their UTF-8 bytes', () => {
    expect(encode('')).toEqual([]);
    expect(encode('Hi!')).toEqual([72, 105, 33]);
    expect(encode('é€😀')).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  });

  it('never turns text into special tokens unless asked', () => {
    expect(encode('<|end|>').every((id) => id < 256)).toBe(true);
    expect(encode('a<|end|>b<|user|>', { allowSpecial: true })).toEqual([97, SPECIAL.end, 98, SPECIAL.user]);
  });

  it('drops special tokens on decode unless asked to render them', () => {
    expect(decodeText([SPECIAL.bos, 104, 105, SPECIAL.end])).toBe('hi');
    expect(decodeText([SPECIAL.user, 104], { renderSpecial: true })).toBe('<|user|>h');
  });

  it('rejects ids outside the vocabulary with a TacitError', () => {
    for (const bad of [-1, VOCAB_SIZE, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        decode([bad]);
      } catch (e) {
        err = e;
      }
      expect(isTacitError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
    expect(() => new Utf8StreamDecoder().push(999)).toThrow(/not a token id/);
  });

  it('round-trips any string (well-formed UTF-16)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(decodeText(encode(s))).toBe(s);
      }),
      fcParams(),
    );
  });

  it('round-trips any byte string through ids', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decode(Array.from(bytes))).toEqual(bytes);
      }),
      fcParams(),
    );
  });

  it('round-trips text with special spellings when they are allowed', () => {
    const piece = fc.oneof(fc.string(), fc.constantFrom('<|bos|>', '<|end|>', '<|tool|>'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (parts) => {
        const s = parts.join('');
        expect(decodeText(encode(s, { allowSpecial: true }), { renderSpecial: true })).toBe(s);
      }),
      fcParams(),
    );
  });
});

describe('Utf8StreamDecoder', () => {
  it('holds back a character until its last byte', () => {
    const d = new Utf8StreamDecoder();
    const ids = encode('a😀');
    expect(ids.map((id) => d.push(id))).toEqual(['a', '', '', '', '😀']);
    expect(d.flush()).toBe('');
  });

  it('keeps a leading byte-order mark as text', () => {
    const d = new Utf8StreamDecoder();
    expect(d.pushAll(encode('\uFEFFx')) + d.flush()).toBe('\uFEFFx');
  });

  it('turns an incomplete tail into U+FFFD only on flush', () => {
    const d = new Utf8StreamDecoder();
    expect(d.pushAll([0xe2, 0x82])).toBe('');
    expect(d.flush()).toBe('\uFFFD');
    expect(d.pushAll(encode('ok'))).toBe('ok');
  });

  it('streams exactly the decoded text, in complete characters only, with specials interleaved', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.array(fc.nat(), { maxLength: 4 }), (s, specialsAt) => {
        const ids = encode(s);
        for (const at of specialsAt) ids.splice(at % (ids.length + 1), 0, SPECIAL.pad);
        const d = new Utf8StreamDecoder();
        const chunks = ids.map((id) => d.push(id));
        expect(chunks.join('') + d.flush()).toBe(s);
        // Every chunk is whole text: it re-encodes to itself, so no half character was emitted.
        for (const c of chunks) expect(decodeText(encode(c))).toBe(c);
        for (const c of chunks) expect(c.includes('\uFFFD') && !s.includes('\uFFFD')).toBe(false);
      }),
      fcParams(),
    );
  });

  it('decodes arbitrary bytes the same as one-shot decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        const d = new Utf8StreamDecoder();
        const streamed = d.pushAll(Array.from(bytes)) + d.flush();
        expect(streamed).toBe(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
      }),
      fcParams(),
    );
  });
});
