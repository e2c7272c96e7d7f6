// @layer L7 diagnostics
/**
 * L7 diagnostics: a minimal protocol-buffers writer, enough for pprof's profile.proto (varints,
 * length-delimited fields, packed repeated integers). Encoding only; nothing here knows pprof.
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/): each field is a key
 * varint (field number << 3 | wire type) followed by its value; wire type 0 is a varint, 2 is a
 * length-delimited payload (strings, nested messages, packed repeated scalars). Integers are
 * written as unsigned varints; a negative int64 takes 10 bytes (two's complement), as protobuf
 * requires for int64 (not zigzag, which is sint64 only).
 *
 * Bytes accumulate in a growing Buffer; nested messages are written into a child writer and
 * copied once into the parent with their length prefix.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const TWO_TO_32 = 4294967296;

export class ProtobufWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes = 256) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#length;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + bytes));
    this.#buffer.copy(next, 0, 0, this.#length);
    this.#buffer = next;
  }

  /** An unsigned varint; a negative integer as int64 (10 bytes). Accepts safe integers only. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
    this.#reserve(10);
    const b = this.#buffer;
    let i = this.#length;
    if (value >= 0) {
      // Above 2^31 the bit operators would truncate: divide until the rest fits in 31 bits.
      while (value > 0x7fffffff) {
        b[i++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
      while (value > 0x7f) {
        b[i++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      b[i++] = value;
    } else {
      // int64 two's complement: split into 32-bit halves and emit 10 bytes.
      let lo = value % TWO_TO_32 >>> 0;
      let hi = Math.floor(value / TWO_TO_32) >>> 0;
      for (let n = 0; n < 9; n++) {
        b[i++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      b[i++] = lo & 0x01;
    }
    this.#length = i;
  }

  /** An unsigned varint from a bigint (timestamps in nanoseconds exceed 2^53). */
  varintBig(value: bigint): void {
    if (value < 0n || value >= 1n << 64n) throw new RangeError(`protobuf: ${value} is outside uint64`);
    this.#reserve(10);
    while (value > 0x7fn) {
      this.#buffer[this.#length++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.#buffer[this.#length++] = Number(value);
  }

  #key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  #bytes(source: Uint8Array): void {
    this.#reserve(source.length);
    this.#buffer.set(source, this.#length);
    this.#length += source.length;
  }

  /** A varint field; omitted when zero (proto3 default). */
  uint(field: number, value: number | bigint): void {
    if (value === 0 || value === 0n) return;
    this.#key(field, VARINT);
    if (typeof value === 'bigint') this.varintBig(value);
    else this.varint(value);
  }

  /** A string field, always written (repeated string tables need their empty entries). */
  string(field: number, value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.#key(field, LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.#bytes(bytes);
  }

  /** A packed repeated integer field; omitted when empty. */
  packed(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const inner = new ProtobufWriter(values.length * 3 + 8);
    for (const v of values) inner.varint(v);
    this.message(field, inner);
  }

  /** A nested message (or any length-delimited payload) written by `inner`. */
  message(field: number, inner: ProtobufWriter): void {
    this.#key(field, LENGTH_DELIMITED);
    this.varint(inner.#length);
    this.#bytes(inner.#buffer.subarray(0, inner.#length));
  }

  /** The encoded bytes (a copy sized exactly). */
  finish(): Buffer {
    return Buffer.from(this.#buffer.subarray(0, this.#length));
  }
}
