/**
 * Unpacked size of a .tgz, read as a stream: gunzip, then walk the 512-byte tar headers adding
 * up the sizes of regular files, skipping their data. Never holds more than one chunk, so a
 * 30 MB package costs a few KB of memory. Understands ustar, GNU long names (`L`/`K`) and pax
 * headers (`x`, whose `size=` overrides the next file's size field).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** Bytes and files of a tarball once unpacked. */
export interface UnpackedSize {
  readonly bytes: number;
  readonly files: number;
}

const BLOCK = 512;

function parseSize(header: Buffer): number {
  // Base-256 when the high bit of the first byte is set (GNU, sizes >= 8 GiB).
  if ((header[124] & 0x80) !== 0) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + header[i];
    return n;
  }
  const text = header.toString('latin1', 124, 136).replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function paxSize(records: Buffer): number | undefined {
  // "<len> key=value\n" records.
  const m = /(?:^|\n)\d+ size=(\d+)\n/.exec(records.toString('utf8'));
  return m === null ? undefined : Number(m[1]);
}

/** Reads `file` (a gzipped tarball, as npm packs and caches them) and adds up its regular files. */
export async function tarballUnpackedSize(file: string): Promise<UnpackedSize> {
  let bytes = 0;
  let files = 0;
  let pending = Buffer.alloc(0); // bytes of the header or pax record being assembled
  let skip = 0; // data bytes (with padding) still to skip
  let collectPax = 0; // pax record bytes still to collect into `pending`
  let nextSize: number | undefined;
  let ended = false;
  const gunzip = createReadStream(file).pipe(createGunzip());
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      const need = collectPax > 0 ? collectPax : BLOCK;
      const take = Math.min(need - pending.length, chunk.length - at);
      pending = Buffer.concat([pending, chunk.subarray(at, at + take)]);
      at += take;
      if (pending.length < need) continue;
      if (collectPax > 0) {
        nextSize = paxSize(pending);
        skip = (BLOCK - (collectPax % BLOCK)) % BLOCK;
        collectPax = 0;
        pending = Buffer.alloc(0);
        continue;
      }
      const header = pending;
      pending = Buffer.alloc(0);
      if (header.every((b) => b === 0)) {
        ended = true; // two zero blocks end the archive; one is enough to stop
        break;
      }
      const type = String.fromCharCode(header[156]);
      const size = parseSize(header);
      if (type === 'x') {
        collectPax = size; // the next file's pax record: collected, then parsed above
        continue;
      }
      const isFile = type === '0' || type === '\0' || type === '7';
      const dataSize = isFile && nextSize !== undefined ? nextSize : size;
      if (isFile) {
        bytes += dataSize;
        files++;
      }
      // A pax size applies to the next real entry: it survives global headers and GNU long names.
      if (type !== 'g' && type !== 'L' && type !== 'K') nextSize = undefined;
      skip = Math.ceil(dataSize / BLOCK) * BLOCK;
    }
    if (ended) {
      gunzip.destroy();
      break;
    }
  }
  return { bytes, files };
}
