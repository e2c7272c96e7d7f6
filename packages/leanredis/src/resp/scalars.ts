// @layer L1 resp
/** Parsing of RESP scalar lines (doubles, big numbers) and small helpers of the decoder. */
import { ProtocolError } from '../errors.js';

const ZERO = 48, // '0'
  PLUS = 43, // '+'
  MINUS = 45; // '-'

export function toMap(items: unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
  return map;
}

// Redis before 7.2 sent NaN as libc printed it: "nan", "-nan", "NAN", "nan(char-sequence)".
const NAN_TEXT = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;
export const BIG_NUMBER_TEXT = /^[+-]?\d+$/;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= ZERO + 9;
}

/**
 * RESP3 double: digits, optional '.' and digits, optional exponent; or inf, -inf, nan. Number()
 * also takes "", " 1", "1 ", ".5", "1.", "0x10" and "Infinity": a RESP3 double starts (after
 * its sign) and ends with a digit, and a leading 0 is not followed by a radix letter. These
 * checks cost a few ns against ~20 for a full grammar regex; the one form they let through,
 * "1.e5", is still an unambiguous number.
 */
export function parseDouble(text: string): number {
  const n = Number(text);
  if (n === n) {
    const first = text.charCodeAt(0);
    const lead = first === PLUS || first === MINUS ? 1 : 0;
    const c = text.charCodeAt(lead);
    if (isDigit(c) && isDigit(text.charCodeAt(text.length - 1))) {
      const radix = c === ZERO ? text.charCodeAt(lead + 1) | 0x20 : 0; // 'x', 'o', 'b' in any case
      if (radix !== 0x78 && radix !== 0x6f && radix !== 0x62) return n;
    }
    throw new ProtocolError('invalid double');
  }
  switch (text) {
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
  }
  if (NAN_TEXT.test(text)) return NaN;
  throw new ProtocolError('invalid double');
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined && k !== 'returnBuffers') out[k] = o[k];
  return out;
}
