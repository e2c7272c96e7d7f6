// @layer L2 commands
/**
 * SORT (and SORT_RO, and SORT ... STORE as its own method: the reply differs) and MIGRATE,
 * the two key commands with many options. SORT's BY and GET patterns name other keys the
 * server reads; they are patterns, not keys, so a cluster cannot route them (the server marks
 * SORT's key specs "incomplete" for that reason).
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, arrayOf, boolean, bytes, integer, nested, oneOf, optionsSpec, text } from './check-options.js';
import { checkInteger, invalid, keyList } from './arguments.js';
import { define, type Key, type Keys } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString } from './replies.js';

export interface SortOptions {
  /**
   * Sort by the values of other keys (BY): a pattern where "*" is replaced by each element,
   * e.g. "weight_*" or "object_*->field" (a hash field); "nosort" keeps the stored order.
   * @default the elements themselves
   */
  by?: string | Buffer;
  /** Only part of the sorted result (LIMIT offset count). @default all */
  limit?: { offset: number; count: number };
  /**
   * Return other keys' values instead of the elements (GET): patterns as for `by`, "#" for the
   * element itself; several give several values per element, in order. Missing keys give null.
   * @default the elements
   */
  get?: string | Buffer | readonly (string | Buffer)[];
  /** @default "ASC" */
  order?: 'ASC' | 'DESC';
  /** Compare as strings, not numbers (ALPHA). @default false: elements must be numbers */
  alpha?: boolean;
}

export interface MigrateOptions {
  /** Leave the keys on the source server (COPY). @default false: they are deleted there */
  copy?: boolean;
  /** Overwrite keys that exist on the target (REPLACE). @default false: BUSYKEY error */
  replace?: boolean;
  /** Credentials for the target server (AUTH password / AUTH2 username password). @default none */
  auth?: { username?: string; password: string };
}

const LIMIT = optionsSpec({ offset: integer(0), count: integer(-1) });
const SORT_OPTIONS = optionsSpec({
  by: bytes,
  limit: nested(LIMIT, ['offset', 'count']),
  get: (v) => (bytes(v) === undefined || arrayOf(bytes, 'patterns', true)(v) === undefined ? undefined : 'a pattern or a non-empty array of patterns'),
  order: oneOf('ASC', 'DESC'),
  alpha: boolean,
});
const MIGRATE_AUTH = optionsSpec({ username: text, password: text });
const MIGRATE_OPTIONS = optionsSpec({ copy: boolean, replace: boolean, auth: nested(MIGRATE_AUTH, ['password']) });

function sortArgs(method: string, key: Key, options: SortOptions | undefined): Arg[] {
  checkOptions(method, options, SORT_OPTIONS);
  const out: Arg[] = [key];
  if (options === undefined) return out;
  if (options.by !== undefined) out.push('BY', options.by);
  if (options.limit !== undefined) out.push('LIMIT', options.limit.offset, options.limit.count);
  if (options.get !== undefined) for (const pattern of Array.isArray(options.get) ? options.get : [options.get]) out.push('GET', pattern as Arg);
  if (options.order !== undefined) out.push(options.order);
  if (options.alpha === true) out.push('ALPHA');
  return out;
}

/** SORT and MIGRATE. */
export interface SortMigrateCommands<K extends Kind> {
  /**
   * SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]: the
   * elements of a list, set or sorted set, sorted (or the values `get` names; null for a
   * missing one).
   */
  sort(key: Key, options?: SortOptions): Out<K, (string | null)[]>;
  /** SORT_RO: SORT without STORE, allowed on replicas and read-only scripts. */
  sortRo(key: Key, options?: SortOptions): Out<K, (string | null)[]>;
  /** SORT key ... STORE destination: stores the result as a list at `destination` (replacing it); its length. */
  sortStore(key: Key, destination: Key, options?: SortOptions): Out<K, number>;
  /**
   * MIGRATE host port "" db timeoutMs [COPY] [REPLACE] [AUTH ...] KEYS key ...: moves (or
   * copies) keys to another server atomically, as DUMP + RESTORE + DEL. "OK", or "NOKEY" when
   * none of the keys exists.
   */
  migrate(host: string, port: number, keys: Keys, db: number, timeoutMs: number, options?: MigrateOptions): Out<K, 'OK' | 'NOKEY'>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const sortMigrateCommands = (): Definitions<SortMigrateCommands<DefinitionKind>> => ({
  sort: define('SORT', { build: (key: Key, options?: SortOptions) => sortArgs('sort', key, options) }),
  sortRo: define('SORT_RO', { build: (key: Key, options?: SortOptions) => sortArgs('sortRo', key, options), readOnly: true }),
  sortStore: define('SORT', {
    build: (key: Key, destination: Key, options?: SortOptions) => [...sortArgs('sortStore', key, options), 'STORE', destination],
    // The source, and the destination after the last STORE.
    keys: [{ index: 0 }, { keyword: 'STORE', startFrom: -2 }],
  }),
  migrate: define('MIGRATE', {
    build: (host: string, port: number, keys: Keys, db: number, timeoutMs: number, options?: MigrateOptions) => {
      if (typeof host !== 'string' || host === '') invalid('migrate', 'expected a host name');
      checkOptions('migrate', options, MIGRATE_OPTIONS);
      // Always the KEYS form, so the keys are in one place however many there are.
      const out: Arg[] = [host, checkInteger('migrate', 'port', port, 1, 65535), '', checkInteger('migrate', 'db', db, 0), checkInteger('migrate', 'timeoutMs', timeoutMs, 0)];
      if (options?.copy === true) out.push('COPY');
      if (options?.replace === true) out.push('REPLACE');
      const auth = options?.auth;
      if (auth !== undefined) out.push(...(auth.username === undefined ? ['AUTH', auth.password] : ['AUTH2', auth.username, auth.password]));
      out.push('KEYS', ...keyList('migrate', keys));
      return out;
    },
    transform: (r) => asString(r) as 'OK' | 'NOKEY',
    // Searched backwards from the end, as the server's key spec does: a password may be "KEYS".
    keys: [{ keyword: 'KEYS', startFrom: -2, lastKey: -1 }],
  }),
});
