/** Set commands. */
import { define, asString, toBoolean, toBooleans, listOf, countedKeys, type Key, type Value, type ServerText } from './define.js';
import { keyScanArgs } from './keys.js';

/** One SSCAN step. */
export interface SScanReply {
  cursor: ServerText;
  members: string[];
}

export interface SInterCardOptions {
  /** Stop counting at this many members (LIMIT). @default 0 (no limit) */
  limit?: number;
}

const keysOnly = (method: string) => (keys: Key | Key[]) => listOf(method, 'key', keys);
const storeArgs = (method: string) => (destination: Key, keys: Key | Key[]) => [destination, ...listOf(method, 'key', keys)];

/** The family's definitions, built on first use (see commands/index.ts). */
export const setCommands = () => ({
  /** SADD key member [member ...]: how many members were added (not already present). */
  sAdd: define('SADD', { build: (key: Key, members: Value | Value[]) => [key, ...listOf('sAdd', 'member', members)], transform: (r) => r as number }),
  /** SREM key member [member ...]: how many members were removed. */
  sRem: define('SREM', { build: (key: Key, members: Value | Value[]) => [key, ...listOf('sRem', 'member', members)], transform: (r) => r as number }),
  /** SMEMBERS key: every member (in no particular order); empty when the key does not exist. */
  sMembers: define<[key: Key], string[]>('SMEMBERS', { readOnly: true }),
  /** SISMEMBER key member: true when member is in the set. */
  sIsMember: define('SISMEMBER', { build: (key: Key, member: Value) => [key, member], transform: toBoolean, readOnly: true }),
  /** SMISMEMBER key member [member ...]: for each member, in order, whether it is in the set. */
  smIsMember: define('SMISMEMBER', {
    build: (key: Key, members: Value | Value[]) => [key, ...listOf('smIsMember', 'member', members)],
    transform: toBooleans,
    readOnly: true,
  }),
  /** SCARD key: the number of members; 0 when the key does not exist. */
  sCard: define<[key: Key], number>('SCARD', { readOnly: true }),
  /** SPOP key: removes and returns a random member, or null when the key does not exist. */
  sPop: define<[key: Key], string | null>('SPOP'),
  /** SPOP key count: removes and returns up to count random members; empty when the key does not exist. */
  sPopCount: define('SPOP', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[] }),
  /** SRANDMEMBER key: a random member (not removed), or null when the key does not exist. */
  sRandMember: define<[key: Key], string | null>('SRANDMEMBER', { readOnly: true }),
  /**
   * SRANDMEMBER key count: up to count distinct random members; a negative count allows
   * repeats and always returns |count| members. Empty when the key does not exist.
   */
  sRandMemberCount: define('SRANDMEMBER', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[], readOnly: true }),
  /** SMOVE source destination member: true when the member was moved (it was in source). */
  sMove: define('SMOVE', { build: (source: Key, destination: Key, member: Value) => [source, destination, member], transform: toBoolean }),
  /** SINTER key [key ...]: members present in every set (a missing key is an empty set). */
  sInter: define('SINTER', { build: keysOnly('sInter'), transform: (r) => r as string[], readOnly: true }),
  /** SINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection. */
  sInterCard: define('SINTERCARD', {
    build: (keys: Key | Key[], options?: SInterCardOptions) => {
      const out = countedKeys('sInterCard', keys);
      if (options?.limit !== undefined) out.push('LIMIT', options.limit);
      return out;
    },
    transform: (r) => r as number,
    readOnly: true,
    firstKey: 1,
  }),
  /** SINTERSTORE destination key [key ...]: stores the intersection; its size. */
  sInterStore: define('SINTERSTORE', { build: storeArgs('sInterStore'), transform: (r) => r as number }),
  /** SUNION key [key ...]: members present in any of the sets. */
  sUnion: define('SUNION', { build: keysOnly('sUnion'), transform: (r) => r as string[], readOnly: true }),
  /** SUNIONSTORE destination key [key ...]: stores the union; its size. */
  sUnionStore: define('SUNIONSTORE', { build: storeArgs('sUnionStore'), transform: (r) => r as number }),
  /** SDIFF key [key ...]: members of the first set that are in none of the others. */
  sDiff: define('SDIFF', { build: keysOnly('sDiff'), transform: (r) => r as string[], readOnly: true }),
  /** SDIFFSTORE destination key [key ...]: stores the difference; its size. */
  sDiffStore: define('SDIFFSTORE', { build: storeArgs('sDiffStore'), transform: (r) => r as number }),
  /** SSCAN key cursor [MATCH] [COUNT]: one step; see sScanIterator for the loop. */
  sScan: define('SSCAN', {
    build: keyScanArgs,
    transform: (r): SScanReply => ({ cursor: asString((r as unknown[])[0]), members: (r as unknown[])[1] as string[] }),
    readOnly: true,
  }),
});
