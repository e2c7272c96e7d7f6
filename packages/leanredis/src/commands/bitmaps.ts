// @layer L2 commands
/** Bitmap commands: single bits, bit counts and searches, bitwise operations and BITFIELD. */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, describe, integer, oneOf, optionsSpec } from './check-options.js';
import { invalid, keyList } from './arguments.js';
import { define, type Key, type Keys } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { toNumbersOrNull } from './replies.js';

/** Whether a range counts bytes (the server default) or bits (Redis 7). */
export type BitUnit = 'BYTE' | 'BIT';

/** An inclusive range for BITCOUNT; negative indexes count from the end. */
export interface BitCountRange {
  /** First byte (or bit) of the range. */
  start: number;
  /** Last byte (or bit) of the range, inclusive. */
  end: number;
  /** @default "BYTE" */
  unit?: BitUnit;
}

/** Where BITPOS looks; negative indexes count from the end. */
export interface BitPosRange {
  /** First byte (or bit) to look at. */
  start: number;
  /** Last byte (or bit), inclusive. @default the end of the string */
  end?: number;
  /** Needs `end`. @default "BYTE" */
  unit?: BitUnit;
}

/** A bitwise operation of BITOP. NOT takes exactly one source. */
export type BitOperation = 'AND' | 'OR' | 'XOR' | 'NOT';

/** A BITFIELD integer type: "i" (signed, 1 to 64 bits) or "u" (unsigned, 1 to 63 bits) and a width, e.g. "u8". */
export type BitFieldEncoding = `${'i' | 'u'}${number}`;

/** A bit offset, or "#N" for the N-th field of the encoding's width (N times the width). */
export type BitFieldOffset = number | `#${number}`;

/** What INCRBY and SET do on overflow: wrap around, saturate, or fail (the reply is null). */
export type BitFieldOverflow = 'WRAP' | 'SAT' | 'FAIL';

/** Reads a field (GET). */
export interface BitFieldGet {
  operation: 'GET';
  encoding: BitFieldEncoding;
  offset: BitFieldOffset;
}

/** Writes a field and replies with its previous value (SET). */
export interface BitFieldSet {
  operation: 'SET';
  encoding: BitFieldEncoding;
  offset: BitFieldOffset;
  /** A bigint keeps 64-bit values exact. */
  value: number | bigint;
}

/** Adds to a field and replies with its new value (INCRBY). */
export interface BitFieldIncrBy {
  operation: 'INCRBY';
  encoding: BitFieldEncoding;
  offset: BitFieldOffset;
  /** May be negative. */
  increment: number | bigint;
}

/** Sets the overflow behaviour of the SET and INCRBY operations after it; has no reply of its own (OVERFLOW). */
export interface BitFieldOverflowOperation {
  operation: 'OVERFLOW';
  behavior: BitFieldOverflow;
}

/** One BITFIELD subcommand. */
export type BitFieldOperation = BitFieldGet | BitFieldSet | BitFieldIncrBy | BitFieldOverflowOperation;

const MAX_BIT_OFFSET = 2 ** 32 - 1; // proto-max-bulk-len is 512 MiB: 2^32 bits
// Signed fields may be 64 bits wide, unsigned ones 63 (the server replies with a signed 64-bit integer).
const ENCODING = /^(?:i(?:[1-9]|[1-5]\d|6[0-4])|u(?:[1-9]|[1-5]\d|6[0-3]))$/;
const FIELD_OFFSET = /^#\d{1,10}$/;
const OVERFLOWS: ReadonlySet<string> = new Set(['WRAP', 'SAT', 'FAIL']);
const OPERATIONS: ReadonlySet<string> = new Set(['AND', 'OR', 'XOR', 'NOT']);
const INDEX = integer(Number.MIN_SAFE_INTEGER);
const BITCOUNT_RANGE = optionsSpec({ start: INDEX, end: INDEX, unit: oneOf('BYTE', 'BIT') });
const BITPOS_RANGE = optionsSpec({ start: INDEX, end: INDEX, unit: oneOf('BYTE', 'BIT') });
// The keys each BITFIELD operation may carry: a misspelt one (`incr` for `increment`) is refused.
const FIELD_KEYS: Readonly<Record<string, ReadonlySet<string>>> = {
  GET: new Set(['operation', 'encoding', 'offset']),
  SET: new Set(['operation', 'encoding', 'offset', 'value']),
  INCRBY: new Set(['operation', 'encoding', 'offset', 'increment']),
  OVERFLOW: new Set(['operation', 'behavior']),
};



function checkBitOffset(method: string, offset: unknown): number {
  if (!Number.isInteger(offset) || (offset as number) < 0 || (offset as number) > MAX_BIT_OFFSET) {
    invalid(method, `offset must be an integer from 0 to ${MAX_BIT_OFFSET} (bits), got ${describe(offset)}`);
  }
  return offset as number;
}

function checkBit(method: string, bit: unknown): 0 | 1 {
  if (bit !== 0 && bit !== 1) invalid(method, `bit must be 0 or 1, got ${describe(bit)}`);
  return bit;
}



function pushField(out: Arg[], op: BitFieldGet | BitFieldSet | BitFieldIncrBy, method: string): void {
  if (typeof op.encoding !== 'string' || !ENCODING.test(op.encoding)) {
    invalid(method, `encoding must be i1..i64 or u1..u63, got ${typeof op.encoding === 'string' ? JSON.stringify(op.encoding.slice(0, 8)) : typeof op.encoding}`);
  }
  const offset = op.offset;
  if (typeof offset === 'string' ? !FIELD_OFFSET.test(offset) : !Number.isInteger(offset) || offset < 0 || offset > MAX_BIT_OFFSET) {
    invalid(method, `offset must be an integer from 0 to ${MAX_BIT_OFFSET} (bits) or "#N", got ${describe(offset)}`);
  }
  out.push(op.encoding, offset);
}

function checkInt64(method: string, name: string, value: unknown): number | bigint {
  if (typeof value !== 'bigint' && !Number.isSafeInteger(value)) invalid(method, `${name} must be a safe integer or a bigint, got ${describe(value)}`);
  return value as number | bigint;
}

function bitFieldArgs(method: string, key: Key, operations: readonly BitFieldOperation[]): Arg[] {
  if (!Array.isArray(operations)) invalid(method, 'expected an array of operations');
  const out: Arg[] = [key];
  for (const op of operations) {
    const accepted = FIELD_KEYS[(op as { operation?: unknown } | null)?.operation as string];
    if (accepted !== undefined) {
      for (const k of Object.keys(op)) if (!accepted.has(k)) invalid(method, `unknown key "${k}" in a ${op.operation} operation; accepted: ${[...accepted].join(', ')}`);
    }
    switch (op?.operation) {
      case 'GET':
        out.push('GET');
        pushField(out, op, method);
        break;
      case 'SET':
        out.push('SET');
        pushField(out, op, method);
        out.push(checkInt64(method, 'value', op.value));
        break;
      case 'INCRBY':
        out.push('INCRBY');
        pushField(out, op, method);
        out.push(checkInt64(method, 'increment', op.increment));
        break;
      case 'OVERFLOW':
        if (!OVERFLOWS.has(op.behavior)) invalid(method, `overflow behavior must be "WRAP", "SAT" or "FAIL", got ${describe(op.behavior)}`);
        out.push('OVERFLOW', op.behavior);
        break;
      default:
        invalid(method, `unknown operation ${describe((op as { operation?: unknown } | null)?.operation)}`);
    }
  }
  return out;
}

/** Bitmap commands. */
export interface BitmapCommands<K extends Kind> {
  /** SETBIT key offset 0|1: the bit's previous value. The string grows (zero-filled) as needed. */
  setBit(key: Key, offset: number, value: 0 | 1): Out<K, 0 | 1>;
  /** GETBIT key offset: the bit at offset; 0 past the end or for a missing key. */
  getBit(key: Key, offset: number): Out<K, 0 | 1>;
  /** BITCOUNT key [start end [BYTE|BIT]]: how many bits are set (in the range). */
  bitCount(key: Key, range?: BitCountRange): Out<K, number>;
  /**
   * BITPOS key 0|1 [start [end [BYTE|BIT]]]: position (in bits, from the start of the string) of
   * the first bit with that value; -1 when none. Looking for 0 without an end finds the first
   * bit past the string if it is all ones.
   */
  bitPos(key: Key, bit: 0 | 1, range?: BitPosRange): Out<K, number>;
  /**
   * BITOP AND|OR|XOR|NOT destination source [source ...]: stores the result in destination and
   * replies with its length (bytes, the longest source). NOT takes exactly one source.
   */
  bitOp(operation: BitOperation, destination: Key, sources: Keys): Out<K, number>;
  /**
   * BITFIELD key [GET|SET|INCRBY|OVERFLOW ...]: one reply per GET, SET (the old value) and
   * INCRBY (the new value), in order; null where OVERFLOW FAIL stopped a write. OVERFLOW has no
   * reply of its own. Values beyond 2^53 lose precision (integers are read as numbers).
   */
  bitField(key: Key, operations: readonly BitFieldOperation[]): Out<K, (number | null)[]>;
  /** BITFIELD_RO key GET type offset [GET ...]: the values read, allowed on replicas (Redis 6.2). */
  bitFieldRo(key: Key, operations: readonly Omit<BitFieldGet, 'operation'>[]): Out<K, number[]>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const bitmapCommands = (): Definitions<BitmapCommands<DefinitionKind>> => ({
  setBit: define('SETBIT', { build: (key: Key, offset: number, value: 0 | 1) => [key, checkBitOffset('setBit', offset), checkBit('setBit', value)] }),
  getBit: define('GETBIT', { build: (key: Key, offset: number) => [key, checkBitOffset('getBit', offset)], readOnly: true }),
  bitCount: define('BITCOUNT', {
    build: (key: Key, range?: BitCountRange) => {
      if (range === undefined) return [key];
      checkOptions('bitCount', range, BITCOUNT_RANGE);
      if (range.start === undefined || range.end === undefined) invalid('bitCount', 'a range needs both start and end');
      const out: Arg[] = [key, range.start, range.end];
      if (range.unit !== undefined) out.push(range.unit);
      return out;
    },
    readOnly: true,
  }),
  bitPos: define('BITPOS', {
    build: (key: Key, bit: 0 | 1, range?: BitPosRange) => {
      const out: Arg[] = [key, checkBit('bitPos', bit)];
      if (range === undefined) return out;
      checkOptions('bitPos', range, BITPOS_RANGE);
      if (range.start === undefined) invalid('bitPos', 'a range needs a start');
      out.push(range.start);
      if (range.end !== undefined) out.push(range.end);
      else if (range.unit !== undefined) invalid('bitPos', 'unit needs an end');
      if (range.unit !== undefined) out.push(range.unit);
      return out;
    },
    readOnly: true,
  }),
  bitOp: define('BITOP', {
    build: (operation: BitOperation, destination: Key, sources: Keys) => {
      if (!OPERATIONS.has(operation)) invalid('bitOp', `operation must be AND, OR, XOR or NOT, got ${describe(operation)}`);
      const list = keyList('bitOp', sources);
      if (operation === 'NOT' && list.length !== 1) invalid('bitOp', 'NOT takes exactly one source key');
      return [operation, destination, ...list];
    },
    keys: { index: 1, lastKey: -1 },
  }),
  bitField: define('BITFIELD', {
    build: (key: Key, operations: readonly BitFieldOperation[]) => bitFieldArgs('bitField', key, operations),
    transform: toNumbersOrNull,
  }),
  bitFieldRo: define('BITFIELD_RO', {
    build: (key: Key, operations: readonly Omit<BitFieldGet, 'operation'>[]) => {
      if (!Array.isArray(operations)) invalid('bitFieldRo', 'expected an array of { encoding, offset }');
      const reads = operations.map((o): BitFieldGet => {
        // Only reads: an `operation` key (SET, INCRBY) has no place here.
        if (typeof o !== 'object' || o === null || 'operation' in o) invalid('bitFieldRo', 'expected reads as { encoding, offset }, without operation');
        return { ...o, operation: 'GET' };
      });
      return bitFieldArgs('bitFieldRo', key, reads);
    },
    readOnly: true,
  }),
});
