// @layer L2 commands
/** Set commands. */
import { checkOptions, integer, optionsSpec } from './check-options.js';
import { countedKeys, keyList, keyScanArgs, valueList, type KeyScanOptions } from './arguments.js';
import { define, COUNTED_KEYS, EVERY_KEY, TWO_KEYS, type Key, type Keys, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toBoolean, toBooleans } from './replies.js';

/** One SSCAN step. */
export interface SScanReply {
  cursor: ServerText;
  members: string[];
}

export interface SInterCardOptions {
  /** Stop counting at this many members (LIMIT); 0 for no limit. @default 0 */
  limit?: number;
}

/** SINTERCARD / ZINTERCARD options. */
export const INTERCARD_OPTIONS = optionsSpec({ limit: integer(0) });

const members = (method: string) => (key: Key, items: Value | readonly Value[]) => [key, ...valueList(method, 'member', items)];
const keysOnly = (method: string) => (keys: Keys) => keyList(method, keys);
const storeArgs = (method: string) => (destination: Key, keys: Keys) => [destination, ...keyList(method, keys)];

/** Set commands. */
export interface SetCommands<K extends Kind> {
  /** SADD key member [member ...]: how many members were added (not already present). */
  sAdd(key: Key, members: Value | readonly Value[]): Out<K, number>;
  /** SREM key member [member ...]: how many members were removed. */
  sRem(key: Key, members: Value | readonly Value[]): Out<K, number>;
  /** SMEMBERS key: every member (in no particular order); empty when the key does not exist. */
  sMembers(key: Key): Out<K, string[]>;
  /** SISMEMBER key member: true when member is in the set. */
  sIsMember(key: Key, member: Value): Out<K, boolean>;
  /** SMISMEMBER key member [member ...]: for each member, in order, whether it is in the set. */
  smIsMember(key: Key, members: Value | readonly Value[]): Out<K, boolean[]>;
  /** SCARD key: the number of members; 0 when the key does not exist. */
  sCard(key: Key): Out<K, number>;
  /** SPOP key: removes and returns a random member, or null when the key does not exist. */
  sPop(key: Key): Out<K, string | null>;
  /** SPOP key count: removes and returns up to count random members; empty when the key does not exist. */
  sPopCount(key: Key, count: number): Out<K, string[]>;
  /** SRANDMEMBER key: a random member (not removed), or null when the key does not exist. */
  sRandMember(key: Key): Out<K, string | null>;
  /**
   * SRANDMEMBER key count: up to count distinct random members; a negative count allows
   * repeats and always returns |count| members. Empty when the key does not exist.
   */
  sRandMemberCount(key: Key, count: number): Out<K, string[]>;
  /** SMOVE source destination member: true when the member was moved (it was in source). */
  sMove(source: Key, destination: Key, member: Value): Out<K, boolean>;
  /** SINTER key [key ...]: members present in every set (a missing key is an empty set). */
  sInter(keys: Keys): Out<K, string[]>;
  /** SINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection. */
  sInterCard(keys: Keys, options?: SInterCardOptions): Out<K, number>;
  /** SINTERSTORE destination key [key ...]: stores the intersection; its size. */
  sInterStore(destination: Key, keys: Keys): Out<K, number>;
  /** SUNION key [key ...]: members present in any of the sets. */
  sUnion(keys: Keys): Out<K, string[]>;
  /** SUNIONSTORE destination key [key ...]: stores the union; its size. */
  sUnionStore(destination: Key, keys: Keys): Out<K, number>;
  /** SDIFF key [key ...]: members of the first set that are in none of the others. */
  sDiff(keys: Keys): Out<K, string[]>;
  /** SDIFFSTORE destination key [key ...]: stores the difference; its size. */
  sDiffStore(destination: Key, keys: Keys): Out<K, number>;
  /** SSCAN key cursor [MATCH pattern] [COUNT n]: one step; see sScanIterator for the loop. */
  sScan(key: Key, cursor: string | number, options?: KeyScanOptions): Out<K, SScanReply>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const setCommands = (): Definitions<SetCommands<DefinitionKind>> => ({
  sAdd: define('SADD', { build: members('sAdd') }),
  sRem: define('SREM', { build: members('sRem') }),
  sMembers: define('SMEMBERS', { readOnly: true }),
  sIsMember: define('SISMEMBER', { arity: 2, transform: toBoolean, readOnly: true }),
  smIsMember: define('SMISMEMBER', { build: members('smIsMember'), transform: toBooleans, readOnly: true }),
  sCard: define('SCARD', { readOnly: true }),
  sPop: define('SPOP'),
  sPopCount: define('SPOP', { arity: 2 }),
  sRandMember: define('SRANDMEMBER', { readOnly: true }),
  sRandMemberCount: define('SRANDMEMBER', { arity: 2, readOnly: true }),
  sMove: define('SMOVE', { arity: 3, transform: toBoolean, keys: TWO_KEYS }),
  sInter: define('SINTER', { build: keysOnly('sInter'), readOnly: true, keys: EVERY_KEY }),
  sInterCard: define('SINTERCARD', {
    build: (keys: Keys, options?: SInterCardOptions) => {
      checkOptions('sInterCard', options, INTERCARD_OPTIONS);
      const out = countedKeys('sInterCard', keys);
      if (options?.limit !== undefined) out.push('LIMIT', options.limit);
      return out;
    },
    readOnly: true,
    keys: COUNTED_KEYS,
  }),
  sInterStore: define('SINTERSTORE', { build: storeArgs('sInterStore'), keys: EVERY_KEY }),
  sUnion: define('SUNION', { build: keysOnly('sUnion'), readOnly: true, keys: EVERY_KEY }),
  sUnionStore: define('SUNIONSTORE', { build: storeArgs('sUnionStore'), keys: EVERY_KEY }),
  sDiff: define('SDIFF', { build: keysOnly('sDiff'), readOnly: true, keys: EVERY_KEY }),
  sDiffStore: define('SDIFFSTORE', { build: storeArgs('sDiffStore'), keys: EVERY_KEY }),
  sScan: define('SSCAN', {
    build: (key: Key, cursor: string | number, options?: KeyScanOptions) => keyScanArgs('sScan', key, cursor, options),
    transform: (r): SScanReply => ({ cursor: asString((r as unknown[])[0]), members: (r as unknown[])[1] as string[] }),
    readOnly: true,
  }),
});
