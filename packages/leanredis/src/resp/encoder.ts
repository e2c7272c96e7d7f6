// @layer L1 resp
/*
 * RESP command encoder. Commands are always framed as RESP arrays of bulk strings (never
 * inline), so no argument can inject a second command.
 *
 * Memory model: one slab shared by every connection in the process (the way Node's own Buffer
 * pool works). A batch is written at the slab's write offset and handed to the socket as a
 * view; those bytes are never written again, and a full slab is simply replaced, so the
 * socket may hold views as long as it likes. Idle connections therefore own no write buffer.
 * Large Buffer arguments are not copied at all: they go to the socket as their own chunk.
 */
import { Buffer } from 'node:buffer';
import { ArgumentError } from '../errors.js';

/** An argument a command accepts. Numbers must be finite: write "+inf" / "-inf" where the server takes them (scores). */
export type Arg = string | Buffer | number | bigint;

const CR = 13,
  LF = 10,
  DOLLAR = 36, // '$'
  STAR = 42; // '*'

const SLAB_BYTES = 64 * 1024;
/** Buffer arguments at least this large are sent as their own chunk instead of copied. */
const ZERO_COPY_BYTES = 16 * 1024;
/** Strings shorter than this are written by a byte loop when ASCII (Encoder#shortAscii). */
const SHORT_STRING = 48;
/** Room for "$<up to 10 digits>\r\n" + "\r\n". */
const FRAME_BYTES = 16;

/** Encodes command names once: "$3\r\nGET\r\n" for each token. */
export function encodeName(tokens: readonly string[]): Buffer {
  let s = '';
  for (const t of tokens) s += `$${Buffer.byteLength(t)}\r\n${t}\r\n`;
  return Buffer.from(s);
}

/**
 * Checks every argument's type and returns an estimate of the encoded size in bytes (used for
 * `maxQueuedBytes`). Throws ArgumentError (code ERR_INVALID_ARGUMENT, `command` set) naming the
 * command and the argument's position, never its value.
 */
export function measureArgs(command: string, args: readonly unknown[]): number {
  let bytes = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'string') bytes += a.length + FRAME_BYTES;
    else if (typeof a === 'number') {
      // NaN would be sent as "NaN"; Infinity as text a value would keep ("set(k, Infinity)").
      if (a - a !== 0) throw invalidArgument(command, `${command}: argument ${i + 1} is ${a}; expected a finite number (scores take "+inf" / "-inf")`);
      bytes += 24 + FRAME_BYTES;
    } else if (Buffer.isBuffer(a)) bytes += a.length + FRAME_BYTES;
    else if (typeof a === 'bigint') bytes += 24 + FRAME_BYTES;
    else {
      throw invalidArgument(command, `${command}: argument ${i + 1} is ${a === null ? 'null' : typeof a}; expected string, Buffer, number or bigint`);
    }
  }
  return bytes;
}

function invalidArgument(command: string, message: string): ArgumentError {
  const error = new ArgumentError(message, 'ERR_INVALID_ARGUMENT');
  error.command = command;
  return error;
}

/** Writes commands into a shared slab and returns each batch as chunks for one socket write. */
export class Encoder {
  #slab: Buffer = EMPTY;
  #offset = 0; // next free byte in #slab
  #start = 0; // first byte of the batch being written
  #chunks: Buffer[] = [];

  /**
   * Appends one command: `nameTokens` encoded by encodeName, then `args`. Arguments must have
   * passed measureArgs (types are not checked again here, this is the hot path).
   */
  write(name: Buffer, nameTokens: number, args: readonly Arg[]): void {
    this.#reserve(FRAME_BYTES + name.length);
    const slab = this.#slab;
    let o = writeHeader(slab, this.#offset, STAR, nameTokens + args.length);
    // Names are a few bytes: a byte loop costs less than Buffer#copy's checks and native call.
    if (name.length <= 32) for (let i = 0; i < name.length; i++) slab[o++] = name[i];
    else o += name.copy(slab, o);
    this.#offset = o;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === 'string') {
        if (a.length >= SHORT_STRING || !this.#shortAscii(a)) this.#string(a);
      }
      else if (Buffer.isBuffer(a)) this.#buffer(a);
      else this.#string(typeof a === 'number' ? formatNumber(a) : String(a));
    }
  }

  /** Ends the batch: returns its bytes as one or more chunks (empty if nothing was written). */
  take(): Buffer[] {
    if (this.#offset > this.#start) this.#chunks.push(this.#slab.subarray(this.#start, this.#offset));
    this.#start = this.#offset;
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks;
  }

  /**
   * Writes a short string when every char is ASCII (keys, small values, numbers as text): its
   * length is then its size, known before the loop, so neither Buffer.byteLength nor a native
   * write is needed. False (nothing written) at the first non-ASCII char: #string takes it.
   */
  #shortAscii(s: string): boolean {
    const length = s.length;
    this.#reserve(FRAME_BYTES + length);
    const slab = this.#slab;
    const start = this.#offset;
    let o = writeHeader(slab, start, DOLLAR, length);
    for (let i = 0; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return false; // #offset unchanged: what was written here is overwritten
      slab[o++] = c;
    }
    slab[o] = CR;
    slab[o + 1] = LF;
    this.#offset = o + 2;
    return true;
  }

  #string(s: string): void {
    // One-byte strings are the common case: their length is their UTF-8 size only if ASCII,
    // so measure exactly; Buffer.byteLength is a fast native call.
    const length = Buffer.byteLength(s);
    if (length > SLAB_BYTES) {
      this.#header(length);
      this.#external(Buffer.from(s));
      return;
    }
    this.#reserve(FRAME_BYTES + length);
    const slab = this.#slab;
    let o = writeHeader(slab, this.#offset, DOLLAR, length);
    o += length < SHORT_STRING ? writeAsciiOrUtf8(slab, o, s, length) : slab.write(s, o, length);
    slab[o] = CR;
    slab[o + 1] = LF;
    this.#offset = o + 2;
  }

  #buffer(b: Buffer): void {
    if (b.length >= ZERO_COPY_BYTES) {
      this.#header(b.length);
      this.#external(b);
      return;
    }
    this.#reserve(FRAME_BYTES + b.length);
    let o = writeHeader(this.#slab, this.#offset, DOLLAR, b.length);
    o += b.copy(this.#slab, o);
    this.#slab[o] = CR;
    this.#slab[o + 1] = LF;
    this.#offset = o + 2;
  }

  #header(length: number): void {
    this.#reserve(FRAME_BYTES);
    this.#offset = writeHeader(this.#slab, this.#offset, DOLLAR, length);
  }

  /** Sends `body` as its own chunk between slab bytes, followed by its CRLF. */
  #external(body: Buffer): void {
    if (this.#offset > this.#start) this.#chunks.push(this.#slab.subarray(this.#start, this.#offset));
    this.#chunks.push(body);
    this.#start = this.#offset;
    this.#reserve(2);
    this.#slab[this.#offset++] = CR;
    this.#slab[this.#offset++] = LF;
  }

  /** Makes room for `bytes` at #offset, moving to a fresh slab (the old one stays with the socket). */
  #reserve(bytes: number): void {
    if (this.#offset + bytes <= this.#slab.length) return;
    if (this.#offset > this.#start) this.#chunks.push(this.#slab.subarray(this.#start, this.#offset));
    this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes));
    this.#offset = 0;
    this.#start = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** The process-wide encoder: encoding is synchronous, so connections can share its slab. */
export const sharedEncoder = new Encoder();

function writeHeader(buf: Buffer, o: number, type: number, n: number): number {
  buf[o++] = type;
  if (n < 10) buf[o++] = 48 + n;
  else if (n < 100) {
    buf[o++] = 48 + ((n / 10) | 0);
    buf[o++] = 48 + (n % 10);
  } else o += buf.write(String(n), o, 'latin1');
  buf[o] = CR;
  buf[o + 1] = LF;
  return o + 2;
}

/** Short strings: a byte loop beats the native call when every char is ASCII. */
function writeAsciiOrUtf8(buf: Buffer, o: number, s: string, byteLength: number): number {
  if (byteLength !== s.length) return buf.write(s, o, byteLength);
  for (let i = 0; i < byteLength; i++) buf[o + i] = s.charCodeAt(i);
  return byteLength;
}

// measureArgs refuses non-finite numbers; the encoder still writes them the way the server reads them.
function formatNumber(n: number): string {
  if (n === Infinity) return '+inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}
