/*
 * RESP2/RESP3 decoder. It knows nothing about sockets: feed it chunks with `write()`, it calls
 * `onReply` for every complete top-level reply and `onPush` for every RESP3 push frame.
 *
 * State between chunks is at most:
 *   - a stack of open aggregates (Frame objects, reused per depth), each with its items so far;
 *   - one partial item: either the bytes of an unfinished header line (#pending, bounded by
 *     maxLineBytes) or the slices of an unfinished bulk body (#bulkParts, bounded by its
 *     declared length, which was checked against maxBulkBytes before any byte was kept).
 * So parsing is O(bytes): nothing is ever re-parsed from the start of a reply.
 *
 * Nothing is allocated from a declared length: arrays are preallocated to at most
 * PREALLOCATE_MAX items, and bulk bodies are joined only once all their bytes have arrived.
 * Any violation throws a ProtocolError and poisons the decoder; the connection must be dropped.
 */
import { ProtocolError, ReplyError } from '../errors.js';
import { PushMessage } from './types.js';

const SIMPLE_STRING = 43, // '+'
  SIMPLE_ERROR = 45, // '-'
  INTEGER = 58, // ':'
  BULK_STRING = 36, // '$'
  ARRAY = 42, // '*'
  NULL = 95, // '_'
  BOOLEAN = 35, // '#'
  DOUBLE = 44, // ','
  BIG_NUMBER = 40, // '('
  BULK_ERROR = 33, // '!'
  VERBATIM = 61, // '='
  MAP = 37, // '%'
  SET = 126, // '~'
  ATTRIBUTE = 124, // '|'
  PUSH = 62, // '>'
  CR = 13,
  LF = 10,
  MINUS = 45,
  ZERO = 48;

/** Largest array preallocated from a declared length; longer ones grow as items arrive. */
const PREALLOCATE_MAX = 1024;
/** Bulk bodies at least this share of their chunk are returned as views instead of copies. */
const VIEW_SHARE = 2;

/** Limits that protect the process from a broken or hostile server. */
export interface DecoderLimits {
  /** Longest bulk string accepted. @default 536870912 (bytes, 512 MiB, the server's proto-max-bulk-len) */
  maxBulkBytes: number;
  /** Most elements in one array, set, push or map (map pairs count twice). @default 268435455 */
  maxAggregateLength: number;
  /** Deepest nesting of aggregates (maps and attributes count as levels). @default 64 */
  maxDepth: number;
  /** Longest header or simple line before its CRLF. @default 65536 (bytes) */
  maxLineBytes: number;
}

export const DEFAULT_DECODER_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxBulkBytes: 512 * 1024 * 1024,
  maxAggregateLength: 2 ** 28 - 1,
  maxDepth: 64,
  maxLineBytes: 64 * 1024,
});

type FrameKind = 'array' | 'set' | 'push' | 'map' | 'attribute';

class Frame {
  kind: FrameKind = 'array';
  items: unknown[] = [];
  index = 0;
  remaining = 0;
}

/** Resumable RESP2/RESP3 decoder. */
export class Decoder {
  /** Bulk strings become Buffers instead of UTF-8 strings. May be switched between replies. */
  returnBuffers: boolean;
  /** Called with the last RESP3 attribute map, if any, before the reply it annotates. */
  onAttribute: ((attribute: Map<unknown, unknown>) => void) | undefined;

  readonly #onReply: (value: unknown) => void;
  readonly #onPush: (message: PushMessage) => void;
  readonly #limits: DecoderLimits;
  readonly #stack: Frame[] = [];
  #depth = 0;
  #pending: Buffer | null = null;
  #bulkParts: Buffer[] | null = null;
  #bulkNeeded = 0; // bytes still missing, CRLF included
  #bulkLength = 0;
  #bulkType = 0;
  #failed: ProtocolError | null = null;

  constructor(
    onReply: (value: unknown) => void,
    onPush: (message: PushMessage) => void,
    options: Partial<DecoderLimits> & { returnBuffers?: boolean } = {},
  ) {
    this.#onReply = onReply;
    this.#onPush = onPush;
    this.#limits = { ...DEFAULT_DECODER_LIMITS, ...stripUndefined(options) };
    this.returnBuffers = options.returnBuffers ?? false;
  }

  /** Whether a reply has started but not finished (bytes are buffered). */
  get hasPartial(): boolean {
    return this.#depth > 0 || this.#pending !== null || this.#bulkParts !== null;
  }

  /** Drops any partial reply, e.g. after the connection that fed it was replaced. */
  reset(): void {
    this.#depth = 0;
    this.#pending = null;
    this.#bulkParts = null;
    this.#failed = null;
  }

  /** Feeds one chunk. Throws ProtocolError on invalid input; after that the decoder stays failed. */
  write(chunk: Buffer): void {
    if (this.#failed !== null) throw this.#failed;
    try {
      this.#write(chunk);
    } catch (err) {
      this.#failed = err instanceof ProtocolError ? err : new ProtocolError(`decoder failed: ${(err as Error).message}`);
      this.#stack.length = 0;
      this.#depth = 0;
      this.#pending = null;
      this.#bulkParts = null;
      throw this.#failed;
    }
  }

  #write(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.#bulkParts !== null) {
      pos = this.#continueBulk(chunk);
      if (pos < 0) return;
    } else if (this.#pending !== null) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    const end = buf.length;
    while (pos < end) {
      const next = this.#parseItem(buf, pos, end);
      if (next < 0) return;
      pos = next;
    }
  }

  /** Parses one item at `pos`; returns the position after it, or -1 when the chunk ran out. */
  #parseItem(buf: Buffer, pos: number, end: number): number {
    const type = buf[pos];
    switch (type) {
      case BULK_STRING:
      case VERBATIM:
      case BULK_ERROR: {
        const after = this.#readLength(buf, pos + 1, end);
        if (after < 0) return this.#stash(buf, pos, end);
        const length = this.#number;
        if (length < 0) {
          if (length !== -1 || type !== BULK_STRING) throw new ProtocolError(`invalid bulk length ${length}`);
          this.#value(null);
          return after;
        }
        if (length > this.#limits.maxBulkBytes) {
          throw new ProtocolError(`bulk of ${length} bytes exceeds maxBulkBytes (${this.#limits.maxBulkBytes})`);
        }
        if (after + length + 2 <= end) {
          if (buf[after + length] !== CR || buf[after + length + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
          this.#bulk(type, buf, after, after + length, end - pos);
          return after + length + 2;
        }
        // The body continues in later chunks: keep views of what arrived, join once complete.
        this.#bulkParts = [buf.subarray(after, end)];
        this.#bulkNeeded = length + 2 - (end - after);
        this.#bulkLength = length;
        this.#bulkType = type;
        return -1;
      }
      case ARRAY:
      case SET:
      case PUSH:
      case MAP:
      case ATTRIBUTE: {
        const after = this.#readLength(buf, pos + 1, end);
        if (after < 0) return this.#stash(buf, pos, end);
        this.#aggregate(type, this.#number);
        return after;
      }
      case INTEGER: {
        const after = this.#readLength(buf, pos + 1, end);
        if (after < 0) return this.#stash(buf, pos, end);
        this.#value(this.#number);
        return after;
      }
      case SIMPLE_STRING:
      case SIMPLE_ERROR:
      case NULL:
      case BOOLEAN:
      case DOUBLE:
      case BIG_NUMBER: {
        const cr = buf.indexOf(CR, pos + 1);
        if (cr < 0 || cr + 1 >= end) return this.#stash(buf, pos, end);
        if (cr - pos > this.#limits.maxLineBytes) throw new ProtocolError(`line exceeds maxLineBytes (${this.#limits.maxLineBytes})`);
        if (buf[cr + 1] !== LF) throw new ProtocolError('line not terminated by CRLF');
        this.#line(type, buf.toString('utf8', pos + 1, cr));
        return cr + 2;
      }
      default:
        throw new ProtocolError(`invalid RESP type byte 0x${(type ?? 0).toString(16).padStart(2, '0')}`);
    }
  }

  // Result of #readLength, kept in a field so parsing allocates nothing.
  #number = 0;

  /**
   * Reads a signed decimal integer and its CRLF starting at `pos`. Returns the position after
   * the CRLF and leaves the value in #number, or returns -1 when the line is incomplete.
   */
  #readLength(buf: Buffer, pos: number, end: number): number {
    let i = pos;
    let negative = false;
    if (i < end && buf[i] === MINUS) {
      negative = true;
      i++;
    }
    const digitsStart = i;
    let value = 0;
    while (i < end) {
      const c = buf[i];
      if (c === CR) break;
      const d = c - ZERO;
      if (d < 0 || d > 9) throw new ProtocolError('invalid integer in reply header');
      value = value * 10 + d;
      // 19 digits hold any signed 64-bit value; more is hostile, not a slow network.
      if (++i - digitsStart > 20) throw new ProtocolError('integer too long in reply header');
    }
    const digits = i - digitsStart;
    if (i + 1 >= end) return -1;
    if (digits === 0 || buf[i + 1] !== LF) throw new ProtocolError('invalid integer in reply header');
    if (digits > 15) value = Number(buf.toString('latin1', digitsStart, i));
    this.#number = negative ? -value : value;
    return i + 2;
  }

  /** Keeps an unfinished header for the next chunk (copied, so the socket's chunk can be freed). */
  #stash(buf: Buffer, pos: number, end: number): number {
    if (end - pos > this.#limits.maxLineBytes) throw new ProtocolError(`line exceeds maxLineBytes (${this.#limits.maxLineBytes})`);
    this.#pending = Buffer.from(buf.subarray(pos, end));
    return -1;
  }

  /** Appends a chunk to the unfinished bulk; returns where parsing resumes, or -1 if still short. */
  #continueBulk(chunk: Buffer): number {
    const parts = this.#bulkParts!;
    if (chunk.length < this.#bulkNeeded) {
      parts.push(chunk);
      this.#bulkNeeded -= chunk.length;
      return -1;
    }
    const used = this.#bulkNeeded;
    parts.push(chunk.subarray(0, used));
    this.#bulkParts = null;
    const whole = Buffer.concat(parts, this.#bulkLength + 2);
    const length = this.#bulkLength;
    if (whole[length] !== CR || whole[length + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
    // `whole` is private to this reply: hand out a view of it, never a second copy.
    this.#bulk(this.#bulkType, whole, 0, length, length);
    return used;
  }

  /** Emits a bulk body found in `buf[start, end)`. `span` is the size of the buffer it lives in. */
  #bulk(type: number, buf: Buffer, start: number, end: number, span: number): void {
    if (type === BULK_ERROR) {
      this.#value(new ReplyError(buf.toString('utf8', start, end)));
      return;
    }
    if (type === VERBATIM) {
      // Verbatim string: a three-letter format ("txt", "mkd"), ':' and the text (RESP3 spec).
      if (end - start < 4 || buf[start + 3] !== 58) throw new ProtocolError('verbatim string without a format prefix');
      start += 4;
    }
    if (!this.returnBuffers) this.#value(buf.toString('utf8', start, end));
    // A small view would pin the whole socket chunk in memory, so small bodies are copied.
    else this.#value((end - start) * VIEW_SHARE >= span ? buf.subarray(start, end) : Buffer.from(buf.subarray(start, end)));
  }

  #line(type: number, text: string): void {
    switch (type) {
      case SIMPLE_STRING:
        this.#value(text);
        return;
      case SIMPLE_ERROR:
        this.#value(new ReplyError(text));
        return;
      case NULL:
        if (text.length !== 0) throw new ProtocolError('invalid null');
        this.#value(null);
        return;
      case BOOLEAN:
        if (text === 't') this.#value(true);
        else if (text === 'f') this.#value(false);
        else throw new ProtocolError('invalid boolean');
        return;
      case DOUBLE:
        this.#value(parseDouble(text));
        return;
      default: // BIG_NUMBER
        if (!/^-?\d+$/.test(text)) throw new ProtocolError('invalid big number');
        this.#value(BigInt(text));
    }
  }

  #aggregate(type: number, length: number): void {
    if (length < 0) {
      if (length !== -1 || type !== ARRAY) throw new ProtocolError(`invalid aggregate length ${length}`);
      this.#value(null);
      return;
    }
    const kind: FrameKind = type === ARRAY ? 'array' : type === SET ? 'set' : type === PUSH ? 'push' : type === MAP ? 'map' : 'attribute';
    const count = kind === 'map' || kind === 'attribute' ? length * 2 : length;
    if (count > this.#limits.maxAggregateLength) {
      throw new ProtocolError(`aggregate of ${count} elements exceeds maxAggregateLength (${this.#limits.maxAggregateLength})`);
    }
    if (count === 0) {
      this.#finish(kind, []);
      return;
    }
    if (this.#depth >= this.#limits.maxDepth) throw new ProtocolError(`nesting exceeds maxDepth (${this.#limits.maxDepth})`);
    let frame = this.#stack[this.#depth];
    if (frame === undefined) {
      frame = new Frame();
      this.#stack.push(frame);
    }
    frame.kind = kind;
    frame.items = count <= PREALLOCATE_MAX ? new Array(count) : [];
    frame.index = 0;
    frame.remaining = count;
    this.#depth++;
  }

  /** Delivers a complete value to the open aggregate, closing every aggregate it completes. */
  #value(value: unknown): void {
    while (this.#depth > 0) {
      const frame = this.#stack[this.#depth - 1];
      frame.items[frame.index++] = value;
      if (--frame.remaining > 0) return;
      this.#depth--;
      const items = frame.items;
      frame.items = EMPTY; // let the finished reply be collected even though the frame is reused
      if (frame.kind === 'attribute') {
        // An attribute annotates the next reply; it is not itself an element of its parent.
        this.onAttribute?.(toMap(items));
        return;
      }
      if (frame.kind === 'push' && this.#depth === 0) {
        this.#onPush(new PushMessage(items));
        return;
      }
      value = frame.kind === 'map' ? toMap(items) : items;
    }
    this.#onReply(value);
  }

  #finish(kind: FrameKind, items: unknown[]): void {
    if (kind === 'attribute') this.onAttribute?.(new Map());
    else if (kind === 'push' && this.#depth === 0) this.#onPush(new PushMessage(items));
    else this.#value(kind === 'map' ? new Map() : items);
  }
}

const EMPTY: unknown[] = [];

function toMap(items: unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  return map;
}

function parseDouble(text: string): number {
  switch (text) {
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
    case '-nan':
      return NaN;
  }
  const n = Number(text);
  if (text.length === 0 || Number.isNaN(n)) throw new ProtocolError('invalid double');
  return n;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined && k !== 'returnBuffers') out[k] = o[k];
  return out;
}
