// @layer L1 resp
/*
 * RESP2/RESP3 decoder. It knows nothing about sockets: feed it chunks with `write()`, it calls
 * `onReply` for every complete top-level reply and `onPush` for every RESP3 push frame.
 *
 * State between chunks is at most:
 *   - a stack of open aggregates (Frame objects, reused per depth), each with its items so far;
 *   - one partial item: either the bytes of an unfinished line (#line, bounded by maxLineBytes)
 *     or the slices of an unfinished bulk body (#bulkParts, bounded by its declared length,
 *     which was checked against maxBulkBytes before any byte was kept).
 * So parsing is O(bytes): a chunk is scanned once, and only the unfinished line of the previous
 * chunk is copied (into a reused scratch buffer), never the rest of the chunk.
 *
 * Lines: a line ends at its first CR, which must be followed by LF. A partial line therefore
 * holds no CR except possibly as its last byte, which is what lets a new chunk be searched from
 * its start. Every check (digits, limits, CRLF) gives the same verdict however the bytes are
 * split, so a reply decodes, or fails, the same way whole or one byte at a time.
 *
 * Nothing is allocated from a declared length: arrays are preallocated to at most
 * PREALLOCATE_MAX items, and bulk bodies are joined only once all their bytes have arrived.
 * Any violation throws a ProtocolError and poisons the decoder; the connection must be dropped.
 */
import { constants as bufferConstants } from 'node:buffer';
import { ProtocolError, ReplyError } from '../errors.js';
import { PushMessage, DEFAULT_DECODER_LIMITS, type DecoderLimits } from './types.js';

export { DEFAULT_DECODER_LIMITS, type DecoderLimits } from './types.js';
import { joinSlab, JOIN_SLAB_MIN_BYTES } from './join-slab.js';
import { BIG_NUMBER_TEXT, parseDouble, stripUndefined, toMap } from './scalars.js';
import { appended } from '../internal/arrays.js';

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
  PLUS = 43, // '+'
  MINUS = 45, // '-'
  COLON = 58, // ':'
  ZERO = 48; // '0'

/** Largest array preallocated from a declared length; longer ones grow as items arrive. */
const PREALLOCATE_MAX = 1024;
/** A bulk body is returned as a view only if it is at least 1/VIEW_SHARE of the memory the view would keep alive. */
const VIEW_SHARE = 2;
/** Scratch for a line split across chunks; a larger one (a long simple string) is dropped after use. */
const LINE_SCRATCH_BYTES = 256;
/** Longest string V8 can build (2^29-24 on 64-bit): a longer bulk can only be a Buffer. */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;
/** 19 digits hold any signed 64-bit value, 20 any unsigned one; more is hostile, not a slow network. */
const MAX_DIGITS = 20;

function isComplete(limits: Partial<DecoderLimits>): limits is DecoderLimits {
  return limits.maxBulkBytes !== undefined && limits.maxAggregateLength !== undefined && limits.maxDepth !== undefined && limits.maxLineBytes !== undefined;
}

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
  /** Called with each RESP3 attribute map, before the reply (or element) it annotates. */
  onAttribute: ((attribute: Map<unknown, unknown>) => void) | undefined;

  readonly #onReply: (this: unknown, value: unknown) => void;
  readonly #onPush: (this: unknown, message: PushMessage) => void;
  readonly #context: unknown;
  readonly #limits: Readonly<DecoderLimits>;
  #stack: Frame[] = [];
  #depth = 0;
  #line: Buffer | null = null; // scratch holding an unfinished line
  #lineLength = 0; // bytes of it in use; 0 when no line is pending
  #bulkParts: Buffer[] | null = null;
  #bulkNeeded = 0; // bytes still missing, CRLF included
  #bulkLength = 0;
  #bulkType = 0;
  #failed: ProtocolError | null = null;
  #resets = 0; // bumped by reset(), so a write() interrupted by one stops reading its chunk
  #span = 0; // memory a view of the current chunk keeps alive: its whole ArrayBuffer

  /**
   * `onReply` and `onPush` are called with `context` as `this`, so one owner can pass shared
   * functions instead of a closure pair per decoder.
   */
  constructor(
    onReply: (this: never, value: unknown) => void,
    onPush: (this: never, message: PushMessage) => void,
    options: Partial<DecoderLimits> & { returnBuffers?: boolean } = {},
    context?: unknown,
  ) {
    // `never` above accepts a callback expecting any `this`; the caller vouches that it matches `context`.
    this.#onReply = onReply as (this: unknown, value: unknown) => void;
    this.#onPush = onPush as (this: unknown, message: PushMessage) => void;
    this.#context = context;
    // Complete limits (a connection's resolved settings) are shared, not copied per decoder.
    this.#limits = isComplete(options) ? options : { ...DEFAULT_DECODER_LIMITS, ...stripUndefined(options) };
    this.returnBuffers = options.returnBuffers ?? false;
  }

  /** Whether a reply has started but not finished (bytes are buffered). */
  get hasPartial(): boolean {
    return this.#depth > 0 || this.#lineLength > 0 || this.#bulkParts !== null;
  }

  /**
   * Drops any partial reply and a failure, e.g. after the connection that fed it was replaced.
   * Called from a callback during write(), the rest of that chunk is dropped too.
   */
  reset(): void {
    this.#clear();
    this.#failed = null;
    this.#resets++;
  }

  /** Feeds one chunk. Throws ProtocolError on invalid input; after that the decoder stays failed. */
  write(chunk: Buffer): void {
    if (this.#failed !== null) throw this.#failed;
    try {
      this.#write(chunk);
    } catch (err) {
      let failure: ProtocolError;
      if (err instanceof ProtocolError) failure = err;
      else {
        // A callback threw, or a value could not be built (a string beyond V8's limit): the
        // rest of the chunk is unread, so the stream cannot be trusted any more.
        failure = new ProtocolError(`decoder failed: ${(err as Error)?.message ?? String(err)}`);
        failure.cause = err;
      }
      this.#failed = failure;
      this.#clear();
      throw failure;
    }
  }

  #clear(): void {
    // Frames are dropped, not just unwound, so a partial reply's items can be collected.
    this.#stack = [];
    this.#depth = 0;
    if (this.#line !== null && this.#line.length > LINE_SCRATCH_BYTES) this.#line = null;
    this.#lineLength = 0;
    this.#bulkParts = null;
  }

  #write(chunk: Buffer): void {
    const resets = this.#resets;
    this.#span = chunk.buffer.byteLength;
    let pos = 0;
    if (this.#lineLength > 0) {
      pos = this.#continueLine(chunk);
      if (pos < 0 || this.#resets !== resets) return;
    }
    if (this.#bulkParts !== null) {
      pos = this.#continueBulk(chunk, pos);
      if (pos < 0 || this.#resets !== resets) return;
    }
    const end = chunk.length;
    while (pos < end) {
      pos = this.#parseItem(chunk, pos, end);
      if (pos < 0 || this.#resets !== resets) return;
    }
  }

  /** Parses one item at `pos`; returns the position after it, or -1 when the chunk ran out. */
  #parseItem(buf: Buffer, pos: number, end: number): number {
    const type = buf[pos];
    switch (type) {
      case BULK_STRING:
      case VERBATIM:
      case BULK_ERROR: {
        const after = this.#readLength(buf, pos + 1, end, false);
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
        // Fail on the header rather than after buffering half a GiB that toString() cannot take.
        if (length > MAX_STRING_LENGTH && (!this.returnBuffers || type === BULK_ERROR)) {
          throw new ProtocolError(`bulk of ${length} bytes is longer than the longest string (${MAX_STRING_LENGTH}); use returnBuffers`);
        }
        if (after + length + 2 <= end) {
          if (buf[after + length] !== CR || buf[after + length + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
          this.#bulk(type, buf, after, after + length, this.#span);
          return after + length + 2;
        }
        // The body continues in later chunks: keep views of what arrived, join once complete.
        this.#bulkParts = after < end ? [buf.subarray(after, end)] : [];
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
        const after = this.#readLength(buf, pos + 1, end, false);
        if (after < 0) return this.#stash(buf, pos, end);
        this.#aggregate(type, this.#number);
        return after;
      }
      case INTEGER: {
        const after = this.#readLength(buf, pos + 1, end, true);
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
        // "+OK\r\n", the commonest reply of all (SET, SELECT, MSET...): no scan, no string made.
        if (type === SIMPLE_STRING && buf[pos + 1] === 0x4f && buf[pos + 2] === 0x4b && buf[pos + 3] === CR && pos + 4 < end && this.#limits.maxLineBytes >= 2) {
          if (buf[pos + 4] !== LF) throw new ProtocolError('line not terminated by CRLF');
          this.#value('OK');
          return pos + 5;
        }
        const cr = buf.indexOf(CR, pos + 1);
        if (cr < 0 || cr + 1 >= end) return this.#stash(buf, pos, end);
        if (cr - pos - 1 > this.#limits.maxLineBytes) throw this.#lineTooLong();
        if (buf[cr + 1] !== LF) throw new ProtocolError('line not terminated by CRLF');
        this.#simple(type, buf.toString('utf8', pos + 1, cr));
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
   * the CRLF and leaves the value in #number, or returns -1 when the line is incomplete (what
   * arrived so far is valid). `allowPlus`: RESP3 numbers may carry an explicit '+'.
   */
  #readLength(buf: Buffer, pos: number, end: number, allowPlus: boolean): number {
    let i = pos;
    let negative = false;
    if (i < end && (buf[i] === MINUS || (allowPlus && buf[i] === PLUS))) {
      negative = buf[i] === MINUS;
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
      if (++i - digitsStart > MAX_DIGITS) throw new ProtocolError('integer too long in reply header');
    }
    if (i - pos > this.#limits.maxLineBytes) throw this.#lineTooLong();
    const digits = i - digitsStart;
    if (i + 1 >= end) return -1;
    if (digits === 0 || buf[i + 1] !== LF) throw new ProtocolError('invalid integer in reply header');
    // Past 2^53 the running value has lost precision: let the number parser round it once.
    if (digits > 15) value = Number(buf.toString('latin1', digitsStart, i));
    this.#number = negative ? 0 - value : value; // 0 - 0 is +0: ":-0" is zero, not -0
    return i + 2;
  }

  /**
   * Keeps an unfinished line (`buf[pos, end)`, valid so far) for the next chunk. It is copied,
   * so the socket's chunk can be freed.
   */
  #stash(buf: Buffer, pos: number, end: number): number {
    const length = end - pos;
    this.#checkLineLength(buf, end, length);
    let line = this.#line;
    if (line === null || line.length < length) line = this.#line = Buffer.allocUnsafe(Math.max(LINE_SCRATCH_BYTES, length * 2));
    buf.copy(line, 0, pos, end);
    this.#lineLength = length;
    return -1;
  }

  /** Throws if the line `[type byte, ..., last)` so far is already longer than maxLineBytes. */
  #checkLineLength(buf: Buffer, last: number, length: number): void {
    // Content is what follows the type byte, without a trailing CR (its LF may be next).
    const content = length - 1 - (buf[last - 1] === CR ? 1 : 0);
    if (content > this.#limits.maxLineBytes) throw this.#lineTooLong();
  }

  #lineTooLong(): ProtocolError {
    return new ProtocolError(`line exceeds maxLineBytes (${this.#limits.maxLineBytes})`);
  }

  /**
   * Continues the line stashed from earlier chunks with `chunk`. Returns where parsing of
   * `chunk` resumes, or -1 if the line is still unfinished (then all of `chunk` was taken).
   */
  #continueLine(chunk: Buffer): number {
    if (chunk.length === 0) return -1;
    let line = this.#line!;
    const have = this.#lineLength;
    // The stashed part holds no CR except maybe as its last byte (see the header comment).
    let take: number;
    let isComplete: boolean;
    if (line[have - 1] === CR) {
      take = 1;
      isComplete = true;
    } else {
      const cr = chunk.indexOf(CR);
      isComplete = cr >= 0 && cr + 1 < chunk.length;
      take = isComplete ? cr + 2 : chunk.length;
    }
    const length = have + take;
    // The limit is checked before the scratch grows, so it also bounds the scratch.
    if (isComplete) {
      if (length - 3 > this.#limits.maxLineBytes) throw this.#lineTooLong();
    } else this.#checkLineLength(chunk, take, length);
    if (line.length < length) {
      const grown = Buffer.allocUnsafe(Math.max(length, have * 2));
      line.copy(grown, 0, 0, have);
      line = this.#line = grown;
    }
    chunk.copy(line, have, 0, take);
    if (!isComplete) {
      this.#lineLength = length;
      // Digits are checked as they arrive, as #parseItem does when a header is cut short.
      const type = line[0];
      if (type !== SIMPLE_STRING && type !== SIMPLE_ERROR && type !== NULL && type !== BOOLEAN && type !== DOUBLE && type !== BIG_NUMBER) {
        this.#readLength(line, 1, length, type === INTEGER);
      }
      return -1;
    }
    this.#lineLength = 0;
    if (line.length > LINE_SCRATCH_BYTES) this.#line = null; // a long line's scratch is not kept
    // The line is complete: #parseItem consumes all of it (a bulk header leaves #bulkParts = []).
    this.#parseItem(line, 0, length);
    return take;
  }

  /** Continues the unfinished bulk at `chunk[pos]`; returns where parsing resumes, or -1 if still short. */
  #continueBulk(chunk: Buffer, pos: number): number {
    const parts = this.#bulkParts!;
    const available = chunk.length - pos;
    const needed = this.#bulkNeeded;
    if (available < needed) {
      if (available > 0) parts.push(pos === 0 ? chunk : chunk.subarray(pos));
      this.#bulkNeeded = needed - available;
      return -1;
    }
    const length = this.#bulkLength;
    const stop = pos + needed;
    this.#bulkParts = null;
    if (parts.length === 0) {
      // Only the header came before: the whole body is in this chunk, read it in place.
      if (chunk[stop - 2] !== CR || chunk[stop - 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
      this.#bulk(this.#bulkType, chunk, pos, stop - 2, this.#span);
      return stop;
    }
    parts.push(chunk.subarray(pos, stop));
    const total = length + 2;
    if (total < JOIN_SLAB_MIN_BYTES) {
      const whole = Buffer.concat(parts, total);
      if (whole[length] !== CR || whole[length + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
      // `whole` is private to this reply: hand out a view of it, never a second copy.
      this.#bulk(this.#bulkType, whole, 0, length, length);
      return stop;
    }
    const start = joinSlab.join(parts, total);
    const slab = joinSlab.buffer;
    if (slab[start + length] !== CR || slab[start + length + 1] !== LF) throw new ProtocolError('bulk string not terminated by CRLF');
    const keepsView = this.returnBuffers && this.#bulkType !== BULK_ERROR;
    this.#bulk(this.#bulkType, slab, start, start + length, total);
    // Decoded to a string (or an error): nothing points into the region, so it is reused.
    joinSlab.done(start, keepsView);
    return stop;
  }

  /** Emits the bulk body `buf[start, end)`; a view of it would keep `span` bytes alive. */
  #bulk(type: number, buf: Buffer, start: number, end: number, span: number): void {
    if (type === BULK_ERROR) {
      this.#value(new ReplyError(buf.toString('utf8', start, end)));
      return;
    }
    if (type === VERBATIM) {
      // Verbatim string: a three-letter format ("txt", "mkd"), ':' and the text (RESP3 spec).
      if (end - start < 4 || buf[start + 3] !== COLON) throw new ProtocolError('verbatim string without a format prefix');
      start += 4;
    }
    if (!this.returnBuffers) this.#value(buf.toString('utf8', start, end));
    // A view keeps its whole ArrayBuffer (the socket's chunk) alive, so small bodies are copied.
    else if ((end - start) * VIEW_SHARE >= span) this.#value(buf.subarray(start, end));
    else this.#value(Buffer.from(buf.subarray(start, end)));
  }

  #simple(type: number, text: string): void {
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
        if (!BIG_NUMBER_TEXT.test(text)) throw new ProtocolError('invalid big number');
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
    // An empty aggregate is a level too, so the limit does not depend on what is inside.
    if (this.#depth >= this.#limits.maxDepth) throw new ProtocolError(`nesting exceeds maxDepth (${this.#limits.maxDepth})`);
    if (count === 0) {
      this.#finish(kind, []);
      return;
    }
    let frame = this.#stack[this.#depth];
    if (frame === undefined) {
      frame = new Frame();
      this.#stack = appended(this.#stack, frame);
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
        this.#onPush.call(this.#context, new PushMessage(items));
        return;
      }
      value = frame.kind === 'map' ? toMap(items) : items;
    }
    this.#onReply.call(this.#context, value);
  }

  #finish(kind: FrameKind, items: unknown[]): void {
    if (kind === 'attribute') this.onAttribute?.(new Map());
    else if (kind === 'push' && this.#depth === 0) this.#onPush.call(this.#context, new PushMessage(items));
    else this.#value(kind === 'map' ? new Map() : items);
  }
}

const EMPTY: unknown[] = [];
