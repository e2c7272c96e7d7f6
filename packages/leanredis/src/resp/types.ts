// @layer L1 resp
/** Values the RESP decoder produces, and the push frame wrapper. */

/**
 * A decoded reply. Bulk and simple strings are `string` (or `Buffer` with `returnBuffers`),
 * integers and doubles `number`, big numbers `bigint`, RESP3 booleans `boolean`, null `null`,
 * arrays and sets `RespValue[]`, maps `Map`, and error elements inside aggregates `ReplyError`.
 */
export type RespValue = string | Buffer | number | bigint | boolean | null | RespValue[] | Map<RespValue, RespValue> | Error;

/** An out-of-band RESP3 push frame (pub/sub messages, invalidations, MONITOR output). */
export class PushMessage {
  /** The frame's elements; the first names the push ("message", "invalidate", ...). */
  readonly items: unknown[];
  constructor(items: unknown[]) {
    this.items = items;
  }
  /** The push type (first element) as a string. */
  get type(): string {
    const first = this.items[0];
    return typeof first === 'string' ? first : Buffer.isBuffer(first) ? first.toString() : '';
  }
}

/** Limits that protect the process from a broken or hostile server. */
export interface DecoderLimits {
  /**
   * Longest bulk string accepted. A bulk decoded as a string (not returnBuffers) is also limited
   * to the longest string V8 can build, 536870888 characters on 64-bit.
   * @default 536870912 (bytes, 512 MiB, the server's proto-max-bulk-len)
   */
  maxBulkBytes: number;
  /** Most elements in one array, set, push or map (map pairs count twice). @default 268435455 */
  maxAggregateLength: number;
  /** Deepest nesting of aggregates (maps and attributes count as levels, empty ones too). @default 64 */
  maxDepth: number;
  /** Longest line between its type byte and its CRLF (simple string, error, number, header). @default 65536 (bytes) */
  maxLineBytes: number;
}

export const DEFAULT_DECODER_LIMITS: Readonly<DecoderLimits> = Object.freeze({
  maxBulkBytes: 512 * 1024 * 1024,
  maxAggregateLength: 2 ** 28 - 1,
  maxDepth: 64,
  maxLineBytes: 64 * 1024,
});
