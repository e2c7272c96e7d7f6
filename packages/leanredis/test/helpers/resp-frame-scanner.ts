/**
 * Finding where top-level RESP frames end in a byte stream, without decoding it: the TCP proxy
 * uses it to drop whole replies, tests use `splitFrames` to cut what a raw socket received.
 * It keeps no payload bytes, only a depth stack capped at 100 000 levels.
 */

const LINE_TYPES = new Set([
  43, // '+' simple string
  45, // '-' simple error
  58, // ':' integer
  95, // '_' RESP3 null
  44, // ',' RESP3 double
  35, // '#' RESP3 boolean
  40, // '(' RESP3 big number
]);
const BLOB_TYPES = new Set([
  36, // '$' bulk string
  33, // '!' RESP3 blob error
  61, // '=' RESP3 verbatim string
]);
const AGGREGATE_TYPES = new Set([
  42, // '*' array
  62, // '>' RESP3 push
  126, // '~' RESP3 set
]);
const PAIR_TYPES = new Set([
  37, // '%' RESP3 map: 2n elements
  124, // '|' RESP3 attribute: 2n elements, then annotates the next value
]);
const ATTRIBUTE = 124; // '|'
const LF = 10; // '\n'
const MAX_HEADER_CHARS = 24;
const MAX_SCANNER_DEPTH = 100_000;

type ScannerState = 'type' | 'line' | 'header' | 'payload' | 'broken';

/**
 * Finds where top-level RESP2/RESP3 frames end in a byte stream fed chunk by chunk, without
 * keeping any payload: a stack of element counts and a byte countdown for bulk payloads.
 * A RESP3 attribute belongs to the frame of the value it annotates. Streamed aggregates ('?')
 * and unknown type bytes make it `isBroken` for good.
 */
export class RespFrameScanner {
  #state: ScannerState = 'type';
  #type = 0;
  #header = '';
  #payloadLeft = 0;
  /** Elements still expected per open aggregate, innermost last. */
  readonly #left: number[] = [];
  readonly #isAttribute: boolean[] = [];
  #isInFrame = false;

  /** True between the first byte of a top-level frame and its last. */
  get isInFrame(): boolean {
    return this.#isInFrame;
  }

  /** True once the stream held something that is not RESP; nothing more is scanned. */
  get isBroken(): boolean {
    return this.#state === 'broken';
  }

  /**
   * Scans `chunk` from `start` and returns the offset just past the end of the top-level frame
   * in progress, or -1 if that frame does not end within the chunk (or the stream broke).
   */
  scan(chunk: Uint8Array, start = 0): number {
    let i = start;
    while (i < chunk.length) {
      switch (this.#state) {
        case 'broken':
          return -1;
        case 'type': {
          const type = chunk[i++]!;
          this.#isInFrame = true;
          this.#type = type;
          if (LINE_TYPES.has(type)) this.#state = 'line';
          else if (BLOB_TYPES.has(type) || AGGREGATE_TYPES.has(type) || PAIR_TYPES.has(type)) {
            this.#state = 'header';
            this.#header = '';
          } else this.#state = 'broken';
          break;
        }
        case 'line': {
          const lf = chunk.indexOf(LF, i);
          if (lf === -1) return -1;
          i = lf + 1;
          if (this.#valueDone()) return i;
          break;
        }
        case 'header': {
          const lf = chunk.indexOf(LF, i);
          const stop = lf === -1 ? chunk.length : lf;
          if (this.#header.length + (stop - i) > MAX_HEADER_CHARS) {
            this.#state = 'broken';
            return -1;
          }
          this.#header += Buffer.from(chunk.buffer, chunk.byteOffset + i, stop - i).toString('latin1');
          if (lf === -1) return -1;
          i = lf + 1;
          if (this.#onHeader()) return i;
          break;
        }
        case 'payload': {
          const n = Math.min(this.#payloadLeft, chunk.length - i);
          i += n;
          this.#payloadLeft -= n;
          if (this.#payloadLeft === 0 && this.#valueDone()) return i;
          break;
        }
      }
    }
    return -1;
  }

  /** Scans a whole chunk, ignoring where frames end. */
  skip(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.isBroken) {
      const end = this.scan(chunk, offset);
      if (end === -1) return;
      offset = end;
    }
  }

  /** Handles a complete length header; true when that completed the top-level frame. */
  #onHeader(): boolean {
    const text = this.#header.endsWith('\r') ? this.#header.slice(0, -1) : this.#header;
    const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
    const type = this.#type;
    if (!Number.isSafeInteger(n) || n < -1) {
      this.#state = 'broken';
      return false;
    }
    if (BLOB_TYPES.has(type)) {
      if (n === -1) return this.#valueDone();
      this.#payloadLeft = n + 2; // payload and its CRLF
      this.#state = 'payload';
      return false;
    }
    const count = PAIR_TYPES.has(type) ? n * 2 : n;
    if (n === -1 || count === 0) {
      if (type === ATTRIBUTE) {
        this.#state = 'type';
        return false;
      }
      return this.#valueDone();
    }
    if (this.#left.length >= MAX_SCANNER_DEPTH) {
      this.#state = 'broken';
      return false;
    }
    this.#left.push(count);
    this.#isAttribute.push(type === ATTRIBUTE);
    this.#state = 'type';
    return false;
  }

  /** A value ended: close the aggregates it completes; true when the top-level frame ended. */
  #valueDone(): boolean {
    this.#state = 'type';
    for (;;) {
      const depth = this.#left.length;
      if (depth === 0) {
        this.#isInFrame = false;
        return true;
      }
      const left = --this.#left[depth - 1]!;
      if (left > 0) return false;
      this.#left.pop();
      // An attribute is not an element of its parent: the value it annotates follows.
      if (this.#isAttribute.pop()) return false;
    }
  }
}


/** Splits the start of `bytes` into at most `limit` complete RESP frames. */
export function splitFrames(bytes: Uint8Array, limit = Infinity): Buffer[] {
  const scanner = new RespFrameScanner();
  const frames: Buffer[] = [];
  let offset = 0;
  while (frames.length < limit && offset < bytes.length) {
    const end = scanner.scan(bytes, offset);
    if (end === -1) break;
    frames.push(Buffer.from(bytes.subarray(offset, end)));
    offset = end;
  }
  return frames;
}
