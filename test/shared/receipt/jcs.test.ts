/** RFC 8785 JSON canonicalization: the RFC's own examples. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, type JsonValue } from '../../../shared/receipt/jcs.ts';
import { fcParams } from '../../support/seed.ts';

/** RFC 8785 by its letter, written the slow and obvious way: a reference for the fast one. */
function reference(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++)
        if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
      return a.length - b.length;
    });
    const o = v as Record<string, JsonValue>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k]!)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('RFC 8785 canonical JSON', () => {
  it('serializes the section 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as JsonValue;
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts member names by UTF-16 code units (section 3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>;
    // Object.keys would list "1" first (integer-like keys), so compare the text itself.
    const order = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k])}`).join(',')}}`;
    expect(canonicalize(input)).toBe(expected);
  });

  it('formats numbers as ECMAScript does (Appendix B samples)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [9007199254740991, '9007199254740991'],
      [5e-324, '5e-324'],
      [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    ];
    for (const [n, s] of cases) expect(canonicalize(n)).toBe(s);
  });

  it('refuses values I-JSON forbids', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '\ud800', { '\udc00': 1 }] as JsonValue[]) {
      expect(() => canonicalize(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('matches a letter-of-the-RFC reference on arbitrary well-formed JSON', () => {
    const json = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalize(v)).toBe(reference(v));
      }),
      fcParams(300),
    );
  });
});
