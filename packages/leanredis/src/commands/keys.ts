/** Key-space commands: existence, deletion, expiry, renaming, inspection and SCAN. */
import type { Arg } from '../resp/encoder.js';
import { define, asString, toBoolean, type Key, type ServerText } from './define.js';

/** Conditions for EXPIRE and friends (Redis 7). */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

export interface ScanOptions {
  /** Only keys matching this glob-style pattern (MATCH). */
  match?: string;
  /** Hint of how many keys per call (COUNT). @default server default (10) */
  count?: number;
  /** Only keys of this type (TYPE), e.g. "string", "hash". */
  type?: string;
}

/** One SCAN step: the next cursor ("0" when done) and the keys found. */
export interface ScanReply<K = string> {
  cursor: ServerText;
  keys: K[];
}

function expireArgs(key: Key, amount: number, condition?: ExpireCondition): Arg[] {
  return condition === undefined ? [key, amount] : [key, amount, condition];
}

/** HSCAN / SSCAN / ZSCAN arguments: key, cursor, [MATCH pattern] [COUNT n]. */
export function keyScanArgs(key: Key, cursor: string | number, options?: Omit<ScanOptions, 'type'>): Arg[] {
  const out: Arg[] = [key, cursor];
  if (options?.match !== undefined) out.push('MATCH', options.match);
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

export function scanArgs(cursor: string | number, options?: ScanOptions): Arg[] {
  const out: Arg[] = [cursor];
  if (options?.match !== undefined) out.push('MATCH', options.match);
  if (options?.count !== undefined) out.push('COUNT', options.count);
  if (options?.type !== undefined) out.push('TYPE', options.type);
  return out;
}

const okOrNull = (r: unknown): 'OK' => asString(r) as 'OK';

/** The family's definitions, built on first use (see commands/index.ts). */
export const keyCommands = () => ({
  /** DEL key [key ...]: how many keys were removed. */
  del: define('DEL', { build: (...keys: Key[]) => keys, transform: (r) => r as number }),
  /** UNLINK key [key ...]: like DEL, reclaiming memory in the background. */
  unlink: define('UNLINK', { build: (...keys: Key[]) => keys, transform: (r) => r as number }),
  /** EXISTS key [key ...]: how many of the keys exist (a key given twice counts twice). */
  exists: define('EXISTS', { build: (...keys: Key[]) => keys, transform: (r) => r as number, readOnly: true }),
  /** TOUCH key [key ...]: how many keys exist (updates their access time). */
  touch: define('TOUCH', { build: (...keys: Key[]) => keys, transform: (r) => r as number, readOnly: true }),
  /** EXPIRE key seconds [NX|XX|GT|LT]: true when the timeout was set. */
  expire: define('EXPIRE', { build: expireArgs, transform: toBoolean }),
  /** PEXPIRE key milliseconds [NX|XX|GT|LT]. */
  pExpire: define('PEXPIRE', { build: expireArgs, transform: toBoolean }),
  /** EXPIREAT key unixSeconds [NX|XX|GT|LT]. */
  expireAt: define('EXPIREAT', { build: expireArgs, transform: toBoolean }),
  /** PEXPIREAT key unixMs [NX|XX|GT|LT]. */
  pExpireAt: define('PEXPIREAT', { build: expireArgs, transform: toBoolean }),
  /** TTL key: seconds left; -1 without expiry, -2 when the key does not exist. */
  ttl: define<[key: Key], number>('TTL', { readOnly: true }),
  /** PTTL key: milliseconds left; -1 without expiry, -2 when missing. */
  pTtl: define<[key: Key], number>('PTTL', { readOnly: true }),
  /** EXPIRETIME key: absolute Unix expiry in seconds; -1 / -2 as TTL. */
  expireTime: define<[key: Key], number>('EXPIRETIME', { readOnly: true }),
  /** PEXPIRETIME key: absolute Unix expiry in milliseconds. */
  pExpireTime: define<[key: Key], number>('PEXPIRETIME', { readOnly: true }),
  /** PERSIST key: true when a timeout was removed. */
  persist: define('PERSIST', { build: (key: Key) => [key], transform: toBoolean }),
  /** TYPE key: "string", "list", "set", "zset", "hash", "stream" or "none". */
  type: define('TYPE', { build: (key: Key) => [key], transform: asString, readOnly: true }),
  /** RENAME key newKey. */
  rename: define('RENAME', { build: (key: Key, newKey: Key) => [key, newKey], transform: okOrNull }),
  /** RENAMENX key newKey: true when renamed (newKey did not exist). */
  renameNX: define('RENAMENX', { build: (key: Key, newKey: Key) => [key, newKey], transform: toBoolean }),
  /** COPY source destination [DB db] [REPLACE]: true when copied. */
  copy: define('COPY', {
    build: (source: Key, destination: Key, options?: { db?: number; replace?: boolean }) => {
      const out: Arg[] = [source, destination];
      if (options?.db !== undefined) out.push('DB', options.db);
      if (options?.replace) out.push('REPLACE');
      return out;
    },
    transform: toBoolean,
  }),
  /** KEYS pattern: every matching key. Blocks the server on large databases; prefer scanIterator. */
  keys: define('KEYS', { build: (pattern: string) => [pattern], transform: (r) => r as string[], readOnly: true, firstKey: -1 }),
  /** RANDOMKEY: a random key, or null when the database is empty. */
  randomKey: define<[], string | null>('RANDOMKEY', { readOnly: true, firstKey: -1 }),
  /** DUMP key: the serialized value (binary: always a Buffer), or null. */
  dump: define<[key: Key], Buffer | null>('DUMP', { readOnly: true, returnBuffers: true }),
  /** RESTORE key ttlMs serialized [REPLACE]. */
  restore: define('RESTORE', {
    build: (key: Key, ttlMs: number, serialized: Buffer, options?: { replace?: boolean }) =>
      options?.replace ? [key, ttlMs, serialized, 'REPLACE'] : [key, ttlMs, serialized],
    transform: okOrNull,
  }),
  /** OBJECT ENCODING key: the internal encoding, or null when missing. */
  objectEncoding: define('OBJECT ENCODING', { build: (key: Key) => [key], transform: (r) => (r === null ? null : asString(r)), readOnly: true }),
  /** OBJECT IDLETIME key: seconds since last access. */
  objectIdleTime: define<[key: Key], number | null>('OBJECT IDLETIME', { readOnly: true }),
  /** OBJECT REFCOUNT key. */
  objectRefCount: define<[key: Key], number | null>('OBJECT REFCOUNT', { readOnly: true }),
  /** OBJECT FREQ key (LFU policies only). */
  objectFreq: define<[key: Key], number | null>('OBJECT FREQ', { readOnly: true }),
  /** SCAN cursor [MATCH] [COUNT] [TYPE]: one step; see scanIterator for the loop. */
  scan: define('SCAN', {
    build: scanArgs,
    transform: (r): ScanReply => ({ cursor: asString((r as unknown[])[0]), keys: (r as unknown[])[1] as string[] }),
    readOnly: true,
    firstKey: -1,
  }),
});
