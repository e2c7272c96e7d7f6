// @layer L0 internal
/**
 * Redis Cluster key slots: CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0) of the key,
 * modulo 16,384. When the key holds a `{...}` with at least one byte between the first `{` and
 * the next `}`, only those bytes are hashed (a hash tag), so `{user:1}:name` and
 * `{user:1}:mail` share a slot. Cluster spec, "Keys distribution model" and "Hash tags".
 */

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

const OPEN = 0x7b, // '{'
  CLOSE = 0x7d; // '}'

/** The slot of a key (a string is hashed as its UTF-8 bytes, like the server sees it). */
export function keySlot(key: string | Buffer | number): number {
  const bytes = typeof key === 'string' ? asciiOrUtf8(key) : typeof key === 'number' ? Buffer.from(String(key)) : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(OPEN);
  if (open >= 0) {
    const close = bytes.indexOf(CLOSE, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  return crc16(bytes, start, end) & (SLOT_COUNT - 1);
}

// Most keys are short ASCII: hash them from one reused buffer instead of a Buffer per key.
const scratch = Buffer.allocUnsafe(256);

function asciiOrUtf8(key: string): Uint8Array {
  if (key.length <= scratch.length) {
    let ascii = true;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      scratch[i] = c;
    }
    if (ascii) return scratch.subarray(0, key.length);
  }
  return Buffer.from(key, 'utf8');
}
