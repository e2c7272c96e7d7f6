// @layer L2 commands
/** Key-space commands: existence, deletion, expiry, renaming, inspection and SCAN. */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, integer, optionsSpec } from './check-options.js';
import { checkWord, keyList, scanArgs, type ScanOptions } from './arguments.js';
import { define, EVERY_KEY, TWO_KEYS, type Key, type Keys, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, asStringOrNull, toBoolean } from './replies.js';

/** Conditions for EXPIRE and friends (Redis 7): only without a TTL (NX), only with one (XX), only to a later (GT) or earlier (LT) time. */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

/** One SCAN step: the next cursor ("0" when done) and the keys found. */
export interface ScanReply<K = string> {
  cursor: ServerText;
  keys: K[];
}

export interface CopyOptions {
  /** Copy into this database instead of the client's (DB). @default the client's database */
  db?: number;
  /** Overwrite an existing destination (REPLACE). @default false: the copy fails */
  replace?: boolean;
}

export interface RestoreOptions {
  /** Overwrite an existing key (REPLACE). @default false: BUSYKEY error */
  replace?: boolean;
  /** `ttlMs` is an absolute Unix time in ms (ABSTTL). @default false */
  absoluteTtl?: boolean;
  /** Set the key's idle time (IDLETIME), for LRU eviction. (s) */
  idleTimeSeconds?: number;
  /** Set the key's access frequency (FREQ), for LFU eviction; 0 to 255. */
  frequency?: number;
}

const EXPIRE_CONDITIONS: readonly ExpireCondition[] = ['NX', 'XX', 'GT', 'LT'];
const COPY_OPTIONS = optionsSpec({ db: integer(0), replace: boolean });
const RESTORE_OPTIONS = optionsSpec({ replace: boolean, absoluteTtl: boolean, idleTimeSeconds: integer(0), frequency: integer(0, 255) }, [['idleTimeSeconds', 'frequency']]);

const expireArgs = (method: string) => (key: Key, amount: number, condition?: ExpireCondition) =>
  condition === undefined ? [key, amount] : [key, amount, checkWord(method, 'condition', condition, EXPIRE_CONDITIONS)];
const allKeys = (method: string) => (keys: Keys) => keyList(method, keys);
const toScanReply = (r: unknown): ScanReply => ({ cursor: asString((r as unknown[])[0]), keys: (r as unknown[])[1] as string[] });

/** Key-space commands. */
export interface KeyCommands<K extends Kind> {
  /** DEL key [key ...]: how many keys were removed. One key, or an array of keys. */
  del(keys: Keys): Out<K, number>;
  /** UNLINK key [key ...]: like del, reclaiming memory in the background; how many keys were removed. */
  unlink(keys: Keys): Out<K, number>;
  /** EXISTS key [key ...]: how many of the keys exist (a key given twice counts twice). */
  exists(keys: Keys): Out<K, number>;
  /** TOUCH key [key ...]: how many of the keys exist; updates their last access time. */
  touch(keys: Keys): Out<K, number>;
  /** EXPIRE key seconds [NX|XX|GT|LT]: true when the timeout was set. */
  expire(key: Key, seconds: number, condition?: ExpireCondition): Out<K, boolean>;
  /** PEXPIRE key milliseconds [NX|XX|GT|LT]: true when the timeout was set. */
  pExpire(key: Key, ms: number, condition?: ExpireCondition): Out<K, boolean>;
  /** EXPIREAT key unixSeconds [NX|XX|GT|LT]: true when the timeout was set. */
  expireAt(key: Key, unixSeconds: number, condition?: ExpireCondition): Out<K, boolean>;
  /** PEXPIREAT key unixMs [NX|XX|GT|LT]: true when the timeout was set. */
  pExpireAt(key: Key, unixMs: number, condition?: ExpireCondition): Out<K, boolean>;
  /** TTL key: seconds left; -1 without expiry, -2 when the key does not exist. */
  ttl(key: Key): Out<K, number>;
  /** PTTL key: milliseconds left; -1 without expiry, -2 when the key does not exist. */
  pTtl(key: Key): Out<K, number>;
  /** EXPIRETIME key: the absolute Unix expiry in seconds; -1 without expiry, -2 when the key does not exist. */
  expireTime(key: Key): Out<K, number>;
  /** PEXPIRETIME key: the absolute Unix expiry in milliseconds; -1 / -2 as expireTime. */
  pExpireTime(key: Key): Out<K, number>;
  /** PERSIST key: true when a timeout was removed. */
  persist(key: Key): Out<K, boolean>;
  /** TYPE key: "string", "list", "set", "zset", "hash", "stream" or "none". */
  type(key: Key): Out<K, ServerText>;
  /** RENAME key newKey: "OK"; rejects when key does not exist. */
  rename(key: Key, newKey: Key): Out<K, 'OK'>;
  /** RENAMENX key newKey: true when renamed, false when newKey already exists. */
  renameNX(key: Key, newKey: Key): Out<K, boolean>;
  /** COPY source destination [DB db] [REPLACE]: true when copied. */
  copy(source: Key, destination: Key, options?: CopyOptions): Out<K, boolean>;
  /** MOVE key db: moves the key to another database; true when moved (false if it exists there or not here). */
  move(key: Key, db: number): Out<K, boolean>;
  /** KEYS pattern: every matching key. Blocks the server on large databases; prefer scanIterator. */
  keys(pattern: string): Out<K, string[]>;
  /** RANDOMKEY: a random key, or null when the database is empty. */
  randomKey(): Out<K, string | null>;
  /** DUMP key: the serialized value (binary: always a Buffer), or null when the key does not exist. */
  dump(key: Key): Out<K, Buffer | null>;
  /** RESTORE key ttlMs serialized [REPLACE] [ABSTTL] [IDLETIME s] [FREQ n]: recreates a dumped key; ttlMs 0 for no expiry. */
  restore(key: Key, ttlMs: number, serialized: Buffer, options?: RestoreOptions): Out<K, 'OK'>;
  /** OBJECT ENCODING key: the internal encoding ("listpack", "hashtable"...), or null when the key does not exist. */
  objectEncoding(key: Key): Out<K, ServerText | null>;
  /** OBJECT IDLETIME key: seconds since the last access, or null when the key does not exist. */
  objectIdleTime(key: Key): Out<K, number | null>;
  /** OBJECT REFCOUNT key: the value's reference count, or null when the key does not exist. */
  objectRefCount(key: Key): Out<K, number | null>;
  /** OBJECT FREQ key: the LFU access frequency (LFU maxmemory policies only), or null when the key does not exist. */
  objectFreq(key: Key): Out<K, number | null>;
  /** SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]: one step; see scanIterator for the loop. */
  scan(cursor: string | number, options?: ScanOptions): Out<K, ScanReply>;
}


/** The family's definitions, built on first use (see commands/table.ts). */
export const keyCommands = (): Definitions<KeyCommands<DefinitionKind>> => ({
  del: define('DEL', { build: allKeys('del'), keys: EVERY_KEY }),
  unlink: define('UNLINK', { build: allKeys('unlink'), keys: EVERY_KEY }),
  exists: define('EXISTS', { build: allKeys('exists'), readOnly: true, keys: EVERY_KEY }),
  touch: define('TOUCH', { build: allKeys('touch'), readOnly: true, keys: EVERY_KEY }),
  expire: define('EXPIRE', { build: expireArgs('expire'), transform: toBoolean }),
  pExpire: define('PEXPIRE', { build: expireArgs('pExpire'), transform: toBoolean }),
  expireAt: define('EXPIREAT', { build: expireArgs('expireAt'), transform: toBoolean }),
  pExpireAt: define('PEXPIREAT', { build: expireArgs('pExpireAt'), transform: toBoolean }),
  ttl: define('TTL', { readOnly: true }),
  pTtl: define('PTTL', { readOnly: true }),
  expireTime: define('EXPIRETIME', { readOnly: true }),
  pExpireTime: define('PEXPIRETIME', { readOnly: true }),
  persist: define('PERSIST', { transform: toBoolean }),
  type: define('TYPE', { transform: asString, readOnly: true }),
  rename: define('RENAME', { arity: 2, keys: TWO_KEYS }),
  renameNX: define('RENAMENX', { arity: 2, transform: toBoolean, keys: TWO_KEYS }),
  copy: define('COPY', {
    build: (source: Key, destination: Key, options?: CopyOptions) => {
      checkOptions('copy', options, COPY_OPTIONS);
      const out: Arg[] = [source, destination];
      if (options?.db !== undefined) out.push('DB', options.db);
      if (options?.replace) out.push('REPLACE');
      return out;
    },
    transform: toBoolean,
    keys: TWO_KEYS,
  }),
  move: define('MOVE', { arity: 2, transform: toBoolean }),
  keys: define('KEYS', { readOnly: true, keys: [] }),
  randomKey: define('RANDOMKEY', { arity: 0, readOnly: true, keys: [] }),
  dump: define('DUMP', { readOnly: true, returnBuffers: true }),
  restore: define('RESTORE', {
    build: (key: Key, ttlMs: number, serialized: Buffer, options?: RestoreOptions) => {
      checkOptions('restore', options, RESTORE_OPTIONS);
      const out: Arg[] = [key, ttlMs, serialized];
      if (options === undefined) return out;
      if (options.replace) out.push('REPLACE');
      if (options.absoluteTtl) out.push('ABSTTL');
      if (options.idleTimeSeconds !== undefined) out.push('IDLETIME', options.idleTimeSeconds);
      if (options.frequency !== undefined) out.push('FREQ', options.frequency);
      return out;
    },
  }),
  objectEncoding: define('OBJECT ENCODING', { transform: asStringOrNull, readOnly: true }),
  objectIdleTime: define('OBJECT IDLETIME', { readOnly: true }),
  objectRefCount: define('OBJECT REFCOUNT', { readOnly: true }),
  objectFreq: define('OBJECT FREQ', { readOnly: true }),
  scan: define('SCAN', {
    build: (cursor: string | number, options?: ScanOptions) => scanArgs('scan', cursor, options),
    transform: toScanReply,
    readOnly: true,
    keys: [],
  }),
});
