import { describe, expect, it } from 'vitest';
import { mediaTypeOf } from '../../shared/media-type.ts';

describe('mediaTypeOf', () => {
  it('gives the lower-cased type/subtype without parameters, or empty', () => {
    expect(mediaTypeOf('message/ohttp-req')).toBe('message/ohttp-req');
    expect(mediaTypeOf(' Message/OHTTP-Req ; x=1;y="a;b"')).toBe('message/ohttp-req');
    expect(mediaTypeOf('text/event-stream;charset=utf-8')).toBe('text/event-stream');
    expect(mediaTypeOf('')).toBe('');
    expect(mediaTypeOf(null)).toBe('');
    expect(mediaTypeOf(undefined)).toBe('');
  });
});
