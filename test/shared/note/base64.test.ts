/** base64url encoding: the table encoder against Node's own, at every length modulo 3. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../shared/note/base64.ts';
import { fcParams } from '../../support/seed.ts';

describe('base64url', () => {
  it('encodes as RFC 4648 section 5 without padding, and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
        const s = encodeBase64Url(b);
        expect(s).toBe(Buffer.from(b).toString('base64url'));
        expect(decodeBase64Url(s, 'test')).toEqual(b);
      }),
      fcParams(500),
    );
  });

  it('encodes a subarray by its own bytes only', () => {
    const whole = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    expect(encodeBase64Url(whole.subarray(3, 20))).toBe(
      Buffer.from(whole.subarray(3, 20)).toString('base64url'),
    );
  });
});
