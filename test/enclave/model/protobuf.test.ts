/** The protobuf writer against the encoding spec's worked examples (protobuf.dev/programming-guides/encoding). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType, encodeTensor } from '../../../enclave/model/onnx/model-proto.ts';
import { ProtoWriter } from '../../../enclave/model/onnx/protobuf.ts';
import { bytesToHex } from '../../../shared/bytes.ts';
import { fcParams } from '../../support/seed.ts';

const hex = (w: ProtoWriter): string => bytesToHex(w.finish());

/** Reads one varint-keyed VARINT field back (test-side decoder). */
function readVarintField(b: Uint8Array): { field: number; value: bigint } {
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[i++]!;
      v |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  const key = Number(varint());
  expect(key & 7).toBe(0);
  const value = varint();
  expect(i).toBe(b.length);
  return { field: key >> 3, value };
}

describe('ProtoWriter', () => {
  it('writes the spec examples', () => {
    // "a = 150" in field 1: 08 96 01.
    expect(hex(new ProtoWriter().int(1, 150))).toBe('089601');
    // "b = testing" in field 2: 12 07 74 65 73 74 69 6e 67.
    expect(hex(new ProtoWriter().string(2, 'testing'))).toBe('120774657374696e67');
    // A negative int64 is ten bytes of two's complement.
    expect(hex(new ProtoWriter().int(1, -1))).toBe('08ffffffffffffffffff01');
    // float 1.0 in field 2: key 0x15, little-endian 0x3f800000.
    expect(hex(new ProtoWriter().float(2, 1))).toBe('150000803f');
    // Repeated ints unpacked: one key per element.
    expect(hex(new ProtoWriter().ints(1, [1, 2]))).toBe('08010802');
    expect(() => new ProtoWriter().int(1, 1.5)).toThrow(RangeError);
  });

  it('writes a TensorProto with dims, data_type, name and raw_data', () => {
    const t = encodeTensor({
      name: 'w',
      dataType: DataType.FLOAT,
      dims: [2],
      raw: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    });
    expect(bytesToHex(t)).toBe('0802' + '1001' + '420177' + '4a080102030405060708');
  });

  it('round-trips any int64 through the varint encoding', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer({ min: 1, max: 1000 }),
        (v, f) => {
          const r = readVarintField(new ProtoWriter().int(f, v).finish());
          expect(r.field).toBe(f);
          expect(BigInt.asIntN(64, r.value)).toBe(v);
        },
      ),
      fcParams(),
    );
  });

  it('grows its buffer for large fields', () => {
    const big = new Uint8Array(100_000).fill(7);
    const out = new ProtoWriter().bytes(9, big).finish();
    expect(out.length).toBe(1 + 3 + big.length);
    expect(out[out.length - 1]).toBe(7);
  });
});
