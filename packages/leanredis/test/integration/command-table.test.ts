/**
 * The command table against the server's own description of its commands: every method's key
 * positions equal what `COMMAND GETKEYS` finds in the same wire arguments (cluster routing
 * depends on them; shard channels, which route like keys without being keys, are checked
 * against COMMAND INFO's key specs), and its flags agree with COMMAND INFO (a "write" command is never marked
 * read-only, and so never re-sent after a lost connection; a "blocking" one has a block spec).
 * EXAMPLES holds a valid call of every method; the type makes a missing one a compile error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { useRedisServer } from '../helpers/setup.ts';
import { commandTable } from '../../src/commands/index.ts';
import { wireArgs } from '../../src/commands/define.ts';
import { keysOf } from '../../src/commands/key-positions.ts';
import type { CommandMethods, LeaseCommandMethods } from '../../src/commands/index.ts';
import type { PromiseKind } from '../../src/commands/kinds.ts';
import type { Arg } from '../../src/resp/encoder.ts';

const redis = useRedisServer();

type Methods = CommandMethods<PromiseKind<string>> & LeaseCommandMethods<PromiseKind<string>>;
type Examples = { [M in keyof Methods]: Methods[M] extends (...args: infer A) => unknown ? A : never };

const from = { longitude: 13.36, latitude: 38.11 };
const radius = { radius: 100, unit: 'km' } as const;

/** One valid call of every method (its keys are k1, k2... so they stand out in the wire arguments). */
export const EXAMPLES: Examples = {
  get: ['k1'],
  set: ['k1', 'v', { expireSeconds: 10, condition: 'NX' }],
  setGet: ['k1', 'v'],
  setNX: ['k1', 'v'],
  setEx: ['k1', 10, 'v'],
  pSetEx: ['k1', 10, 'v'],
  getDel: ['k1'],
  getEx: ['k1', { persist: true }],
  getSet: ['k1', 'v'],
  getRange: ['k1', 0, -1],
  substr: ['k1', 0, -1],
  setRange: ['k1', 0, 'v'],
  mGet: [['k1', 'k2']],
  mSet: [{ k1: 'a', k2: 'b' }],
  mSetNX: [[['k1', 'a'], ['k2', 'b']]],
  append: ['k1', 'v'],
  strLen: ['k1'],
  incr: ['k1'],
  incrBy: ['k1', 2],
  incrByFloat: ['k1', 1.5],
  decr: ['k1'],
  decrBy: ['k1', 2],
  lcs: ['k1', 'k2'],
  lcsLen: ['k1', 'k2'],
  del: [['k1', 'k2']],
  unlink: ['k1'],
  exists: [['k1', 'k2']],
  touch: [['k1', 'k2']],
  expire: ['k1', 10, 'NX'],
  pExpire: ['k1', 10],
  expireAt: ['k1', 10],
  pExpireAt: ['k1', 10],
  ttl: ['k1'],
  pTtl: ['k1'],
  expireTime: ['k1'],
  pExpireTime: ['k1'],
  persist: ['k1'],
  type: ['k1'],
  rename: ['k1', 'k2'],
  renameNX: ['k1', 'k2'],
  copy: ['k1', 'k2', { db: 1, replace: true }],
  move: ['k1', 1],
  keys: ['k*'],
  randomKey: [],
  dump: ['k1'],
  restore: ['k1', 0, Buffer.from('x'), { replace: true, idleTimeSeconds: 1 }],
  objectEncoding: ['k1'],
  objectIdleTime: ['k1'],
  objectRefCount: ['k1'],
  objectFreq: ['k1'],
  scan: [0, { match: 'k*', count: 10, type: 'string' }],
  hSet: ['k1', { f: 'v' }],
  hMSet: ['k1', [['f', 'v']]],
  hSetNX: ['k1', 'f', 'v'],
  hGet: ['k1', 'f'],
  hMGet: ['k1', ['f', 'g']],
  hGetAll: ['k1'],
  hDel: ['k1', 'f'],
  hExists: ['k1', 'f'],
  hLen: ['k1'],
  hKeys: ['k1'],
  hVals: ['k1'],
  hIncrBy: ['k1', 'f', 1],
  hIncrByFloat: ['k1', 'f', 1.5],
  hStrLen: ['k1', 'f'],
  hRandField: ['k1'],
  hRandFieldCount: ['k1', 2],
  hRandFieldWithValues: ['k1', 2],
  hScan: ['k1', 0, { match: 'f*' }],
  sAdd: ['k1', ['a', 'b']],
  sRem: ['k1', 'a'],
  sMembers: ['k1'],
  sIsMember: ['k1', 'a'],
  smIsMember: ['k1', ['a', 'b']],
  sCard: ['k1'],
  sPop: ['k1'],
  sPopCount: ['k1', 2],
  sRandMember: ['k1'],
  sRandMemberCount: ['k1', 2],
  sMove: ['k1', 'k2', 'a'],
  sInter: [['k1', 'k2']],
  sInterCard: [['k1', 'k2'], { limit: 5 }],
  sInterStore: ['k1', ['k2', 'k3']],
  sUnion: [['k1', 'k2']],
  sUnionStore: ['k1', ['k2', 'k3']],
  sDiff: [['k1', 'k2']],
  sDiffStore: ['k1', ['k2', 'k3']],
  sScan: ['k1', 0],
  zAdd: ['k1', [{ member: 'a', score: 1 }, { member: 'b', score: Infinity }], { condition: 'XX', comparison: 'GT', changed: true }],
  zAddIncr: ['k1', { member: 'a', score: 1 }],
  zIncrBy: ['k1', 1, 'a'],
  zRem: ['k1', ['a', 'b']],
  zScore: ['k1', 'a'],
  zmScore: ['k1', ['a', 'b']],
  zRank: ['k1', 'a'],
  zRevRank: ['k1', 'a'],
  zCard: ['k1'],
  zCount: ['k1', -Infinity, '(5'],
  zLexCount: ['k1', '-', '+'],
  zRemRangeByRank: ['k1', 0, 1],
  zRemRangeByScore: ['k1', 0, Infinity],
  zRemRangeByLex: ['k1', '[a', '[b'],
  zPopMin: ['k1'],
  zPopMinCount: ['k1', 2],
  zPopMax: ['k1'],
  zPopMaxCount: ['k1', 2],
  bzPopMin: [['k1', 'k2'], 0.01],
  bzPopMax: ['k1', 0.01],
  zRandMember: ['k1'],
  zRandMemberCount: ['k1', 2],
  zRandMemberWithScores: ['k1', 2],
  zScan: ['k1', 0, { count: 5 }],
  zRange: ['k1', 0, Infinity, { by: 'SCORE', limit: { offset: 0, count: 2 } }],
  zRangeWithScores: ['k1', 0, -1, { reverse: true }],
  zRangeStore: ['k1', 'k2', 0, -1],
  zUnion: [['k1', 'k2'], { weights: [1, 2], aggregate: 'MAX' }],
  zUnionWithScores: [['k1', 'k2']],
  zUnionStore: ['k1', ['k2', 'k3']],
  zInter: [['k1', 'k2']],
  zInterWithScores: [['k1', 'k2']],
  zInterStore: ['k1', ['k2', 'k3'], { aggregate: 'MIN' }],
  zInterCard: [['k1', 'k2'], { limit: 1 }],
  zDiff: [['k1', 'k2']],
  zDiffWithScores: [['k1', 'k2']],
  zDiffStore: ['k1', ['k2', 'k3']],
  zmPop: [['k1', 'k2'], 'MIN', { count: 2 }],
  bzmPop: [0.01, ['k1', 'k2'], 'MAX'],
  lPush: ['k1', ['a', 'b']],
  rPush: ['k1', 'a'],
  lPushX: ['k1', 'a'],
  rPushX: ['k1', 'a'],
  lPop: ['k1'],
  lPopCount: ['k1', 2],
  rPop: ['k1'],
  rPopCount: ['k1', 2],
  lRange: ['k1', 0, -1],
  lLen: ['k1'],
  lIndex: ['k1', 0],
  lSet: ['k1', 0, 'a'],
  lRem: ['k1', 0, 'a'],
  lTrim: ['k1', 0, -1],
  lInsert: ['k1', 'BEFORE', 'a', 'b'],
  lPos: ['k1', 'a', { rank: 1, maxLen: 10 }],
  lPosCount: ['k1', 'a', 0],
  lMove: ['k1', 'k2', 'LEFT', 'RIGHT'],
  lmPop: [['k1', 'k2'], 'LEFT', { count: 2 }],
  rPopLPush: ['k1', 'k2'],
  blPop: [['k1', 'k2'], 0.01],
  brPop: ['k1', 0.01],
  blMove: ['k1', 'k2', 'RIGHT', 'LEFT', 0.01],
  blmPop: [0.01, ['k1', 'k2'], 'RIGHT'],
  brPopLPush: ['k1', 'k2', 0.01],
  pfAdd: ['k1', ['a', 'b']],
  pfCount: [['k1', 'k2']],
  pfMerge: ['k1', ['k2', 'k3']],
  setBit: ['k1', 7, 1],
  getBit: ['k1', 7],
  bitCount: ['k1', { start: 0, end: -1, unit: 'BIT' }],
  bitPos: ['k1', 1, { start: 0, end: -1 }],
  bitOp: ['AND', 'k1', ['k2', 'k3']],
  bitField: ['k1', [{ operation: 'OVERFLOW', behavior: 'SAT' }, { operation: 'INCRBY', encoding: 'u8', offset: '#1', increment: 1 }]],
  bitFieldRo: ['k1', [{ encoding: 'i8', offset: 0 }]],
  geoAdd: ['k1', { ...from, member: 'a' }, { condition: 'NX' }],
  geoPos: ['k1', ['a', 'b']],
  geoDist: ['k1', 'a', 'b', 'km'],
  geoHash: ['k1', 'a'],
  geoSearch: ['k1', from, radius, { order: 'ASC', count: 5, any: true }],
  geoSearchWith: ['k1', { member: 'a' }, { width: 10, height: 10, unit: 'km' }, { withCoord: true, withDist: true, withHash: true }],
  geoSearchStore: ['k1', 'k2', from, radius, { storeDist: true }],
  ping: [],
  echo: ['hi'],
  info: [['server', 'clients']],
  dbSize: [],
  flushDb: ['ASYNC'],
  flushAll: [],
  time: [],
  lastSave: [],
  swapDb: [0, 1],
  commandCount: [],
  memoryUsage: ['k1', { samples: 0 }],
  clientId: [],
  clientGetName: [],
  clientInfo: [],
  clientList: [{ type: 'normal' }],
  clientKill: [{ addr: '10.255.255.1:1', skipMe: true }],
  clientPause: [10, 'WRITE'],
  clientUnpause: [],
  configGet: [['hz', 'maxmemory*']],
  configSet: [{ hz: 10 }],
  configResetStat: [],
  slowLogGet: [10],
  slowLogLen: [],
  slowLogReset: [],
  scriptLoad: ['return 1'],
  scriptExists: [['a'.repeat(40)]],
  scriptFlush: ['SYNC'],
  scriptKill: [],
  fCall: ['f', { keys: ['k1', 'k2'], arguments: ['a'] }],
  fCallRo: ['f', { keys: 'k1' }],
  functionLoad: ['#!lua name=lib\nredis.register_function("f", function() return 1 end)', { replace: true }],
  functionDelete: ['lib'],
  functionFlush: [],
  functionKill: [],
  functionList: [{ libraryName: 'l*', withCode: true }],
  xAdd: ['k1', { a: 1 }, { id: '*', noMkStream: true, trim: { maxLen: 100, approximate: true, limit: 10 } }],
  xLen: ['k1'],
  xRange: ['k1', '-', '+', { count: 10 }],
  xRevRange: ['k1', '+', '-'],
  xRead: [{ k1: '0', k2: '$' }, { count: 10, blockMs: 10 }],
  xDel: ['k1', ['1-0', '2-0']],
  xTrim: ['k1', { minId: '1-0' }],
  xSetId: ['k1', '5-0', { entriesAdded: 5, maxDeletedId: '1-0' }],
  xReadGroup: ['g', 'c', [['k1', '>'], ['k2', '>']], { count: 1, blockMs: 10, noAck: true }],
  xAck: ['k1', 'g', ['1-0', '2-0']],
  xPending: ['k1', 'g'],
  xPendingRange: ['k1', 'g', '-', '+', 10, { minIdleMs: 100, consumer: 'c' }],
  xClaim: ['k1', 'g', 'c', 1000, ['1-0'], { idleMs: 0, retryCount: 2, force: true, lastId: '2-0' }],
  xClaimJustId: ['k1', 'g', 'c', 1000, '1-0'],
  xAutoClaim: ['k1', 'g', 'c', 1000, '0-0', { count: 5 }],
  xAutoClaimJustId: ['k1', 'g', 'c', 1000, '0-0'],
  xInfoStream: ['k1'],
  xInfoStreamFull: ['k1', { count: 5 }],
  xInfoGroups: ['k1'],
  xInfoConsumers: ['k1', 'g'],
  xGroupCreate: ['k1', 'g', '$', { mkStream: true, entriesRead: 0 }],
  xGroupCreateConsumer: ['k1', 'g', 'c'],
  xGroupDelConsumer: ['k1', 'g', 'c'],
  xGroupDestroy: ['k1', 'g'],
  xGroupSetId: ['k1', 'g', '0', { entriesRead: 0 }],
  publish: ['channel', 'message'],
  sPublish: ['k1', 'message'],
  pubsubChannels: ['news.*'],
  pubsubNumSub: [['a', 'b']],
  pubsubNumPat: [],
  pubsubShardChannels: [],
  pubsubShardNumSub: ['a'],
  select: [1],
  watch: [['k1', 'k2']],
  unwatch: [],
  clientSetName: ['name'],
  clientNoEvict: [true],
  readOnly: [],
  readWrite: [],
};

const text = (a: Arg): string => (Buffer.isBuffer(a) ? a.toString() : String(a));

test('every method has an example, and every example builds', () => {
  const methods = commandTable().methods;
  assert.deepEqual(Object.keys(EXAMPLES).sort(), Object.keys(methods).sort());
  for (const [method, args] of Object.entries(EXAMPLES)) {
    assert.doesNotThrow(() => wireArgs(methods[method], [...args]), method);
  }
});

test('key positions of every method equal what COMMAND GETKEYS finds in the same arguments', async () => {
  await using client = redis.client();
  await using conn = await client.acquire();
  const methods = commandTable().methods;
  const mismatches: string[] = [];
  for (const [method, example] of Object.entries(EXAMPLES)) {
    const definition = methods[method];
    const args = wireArgs(definition, [...example]);
    const ours = (keysOf(definition, args, true) ?? []).map(text);
    let theirs: string[] = [];
    // GETKEYS needs at least one word after the command name (RANDOMKEY, PING: no keys anyway).
    if (definition.tokens + args.length > 1) {
      try {
        theirs = ((await conn.call('COMMAND', 'GETKEYS', ...definition.name.split(' '), ...args)) as Arg[]).map(text);
      } catch (err) {
        // Commands without key arguments: "The command has no key arguments".
        if (!/no key arguments/.test((err as Error).message)) throw new Error(`${method}: ${(err as Error).message}`);
      }
    }
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${method} (${definition.name}): ours ${JSON.stringify(ours)}, server ${JSON.stringify(theirs)}`);
  }
  assert.deepEqual(mismatches, []);
});

test('shard channels route like keys: SPUBLISH and SSUBSCRIBE name the channel as a not_key spec, as COMMAND INFO does', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  assert.deepEqual(keysOf(methods.sPublish, ['ch', 'm']), ['ch']);
  assert.deepEqual(keysOf(methods.sPublish, ['ch', 'm'], true), []);
  const [info] = (await client.call('COMMAND', 'INFO', 'SPUBLISH')) as unknown[][];
  // Key specs are maps (RESP3) or flat lists (RESP2): look for the flag in either.
  assert.match(inspect(info[8], { depth: 6 }), /not_key/);
});

test('flags agree with COMMAND INFO: write commands are not read-only, readonly ones are, blocking ones block', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  const names = [...new Set(Object.values(methods).map((d) => d.name.toLowerCase().replace(' ', '|')))];
  const flagsOf = new Map<string, string[]>();
  // COMMAND INFO takes "container|subcommand" names; its reply is alike under RESP2 and RESP3.
  const infos = (await client.call('COMMAND', 'INFO', ...names)) as unknown[][];
  infos.forEach((info, i) => flagsOf.set(names[i], (info[2] as Arg[]).map(text)));
  const problems: string[] = [];
  for (const [method, d] of Object.entries(methods)) {
    const flags = flagsOf.get(d.name.toLowerCase().replace(' ', '|'));
    if (flags === undefined) {
      problems.push(`${method}: the server does not know ${d.name}`);
      continue;
    }
    if (flags.includes('write') && d.isReadOnly) problems.push(`${method}: a write command marked read-only`);
    if (flags.includes('readonly') && !d.isReadOnly) problems.push(`${method}: a readonly command not marked read-only`);
    if (flags.includes('blocking') && d.block === undefined) problems.push(`${method}: a blocking command without a block spec`);
  }
  assert.deepEqual(problems, []);
});
