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
