/**
 * A minimal Protocol Buffers writer: just what encoding an ONNX model needs. Wire format per the
 * protobuf encoding spec (protobuf.dev/programming-guides/encoding): a field is a key
 * `(field_number << 3) | wire_type` as a base-128 varint, then its value: VARINT (0) for integers and
 * enums, I32 (5) for float, LEN (2) for strings, bytes and nested messages.
 *
 * Nested messages are encoded first and then written as bytes, which keeps the writer one pass and
 * stateless; the cost is one copy per nesting level, negligible next to the weights themselves.
 * Output is deterministic: the same calls give the same bytes (model digests depend on it).
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class ProtoWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  readonly #f32 = new DataView(new ArrayBuffer(4));

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Unsigned varint. Negative int64 values are written as their 10-byte two's complement. */
  #varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
  }

  #key(field: number, wire: number): void {
    this.#varint((field << 3) | wire);
  }

  /** int32, int64, enum, bool fields. */
  int(field: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      throw new RangeError(`not an integer: ${value}`);
    this.#key(field, WIRE_VARINT);
    this.#varint(value);
    return this;
  }

  /** Repeated integers, unpacked (one key per element): valid for proto2 and proto3 readers alike. */
  ints(field: number, values: readonly (number | bigint)[]): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  float(field: number, value: number): this {
    this.#key(field, WIRE_I32);
    this.#f32.setFloat32(0, value, true);
    this.#reserve(4);
    for (let i = 0; i < 4; i++) this.#buf[this.#len++] = this.#f32.getUint8(i);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#key(field, WIRE_LEN);
    this.#varint(value.length);
    this.#reserve(value.length);
    this.#buf.set(value, this.#len);
    this.#len += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A nested message, given as its encoded bytes. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
