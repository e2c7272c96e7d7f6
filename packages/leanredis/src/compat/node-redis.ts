// @layer L7 compat
/**
 * `leanredis/compat/node-redis`: a leanredis client presented with the call shapes of node-redis
 * v5 (`redis` / `@redis/client`), for libraries written against it: connect-redis,
 * @socket.io/redis-adapter, @keyv/redis, rate-limiter-flexible (`useRedisPackage: true`).
 *
 *   import { toNodeRedis } from 'leanredis/compat/node-redis';
 *   const store = new RedisStore({ client: toNodeRedis(createClient(url)) });
 *
 * The adapter is one small object whose methods (shared, on its prototype) translate node-redis's
 * arguments into leanredis calls and the replies back into node-redis's shapes: camelCase
 * methods, options objects spelled `{ EX }`, `{ expiration: { type, value } }`, `{ MATCH, COUNT }`,
 * arrays of keys, `scanIterator` yielding an array of keys per SCAN step, `sendCommand`,
 * `multi()` with `exec(true)` as a pipeline, pub/sub with listeners and `bufferMode`, events,
 * and the stream commands (node-redis-streams.ts).
 * The commands run on the lean core: its deadlines, bounded queues and pool still apply.
 *
 * What it does not present is absent (calling it is a TypeError), and an option it cannot honour
 * is refused with ArgumentError, never dropped. Replies follow node-redis v5 under RESP2 (its
 * default) whatever protocol the client speaks, except `sendCommand`, which returns the raw reply
 * of the client's protocol (as node-redis does with `RESP: 3`).
 */
import { EventEmitter } from 'node:events';
import type { Client, Multi, Pipeline, SetOptions } from '../index.js';
import { checkKeys, refuse, Subscriptions, typeOf, type AnyClient, type Kind } from './shared.js';
import { STREAM_COMMANDS } from './node-redis-streams.js';

type Args = unknown[];
/** Turns node-redis's arguments into leanredis's method and arguments (throws on a shape it cannot honour). */
type Build = (args: Args) => [method: string, args: Args];
/** Turns leanredis's typed reply into node-redis's. */
type Shape = (reply: never) => unknown;

interface Command {
  readonly build: Build;
  readonly shape: Shape | undefined;
}

const SET_OPTIONS = ['expiration', 'condition', 'GET', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'NX', 'XX'];
const EXPIRATION_TYPES: Record<string, keyof SetOptions> = { EX: 'expireSeconds', PX: 'expireMs', EXAT: 'expireAtSeconds', PXAT: 'expireAtMs' };

/** SET's options, node-redis v5 (`expiration`, `condition`) and v4 (`EX`, `NX`...) spellings. */
function setArgs(args: Args): [string, Args] {
  const [key, value, raw] = args;
  if (args.length > 3) refuse('set', `expected at most 3 arguments, got ${args.length} (node-redis takes options as one object)`);
  if (raw === undefined) return ['set', [key, value]];
  const options = checkKeys('set', raw, SET_OPTIONS);
  const out: Record<string, unknown> = {};
  const given: string[] = [];
  const expire = (type: unknown, amount: unknown): void => {
    if (type === 'KEEPTTL') out.keepTtl = true;
    else if (typeof type === 'string' && EXPIRATION_TYPES[type] !== undefined) out[EXPIRATION_TYPES[type]] = amount;
    else refuse('set', `expiration type must be "EX", "PX", "EXAT", "PXAT" or "KEEPTTL", got ${typeOf(type)}`, 'ERR_INVALID_OPTION');
    given.push(String(type));
  };
  const expiration = options.expiration;
  if (expiration !== undefined) {
    if (expiration === 'KEEPTTL') expire('KEEPTTL', undefined);
    else if (typeof expiration === 'object' && expiration !== null) {
      const e = checkKeys('set', expiration, ['type', 'value']);
      expire(e.type, e.value);
    } else refuse('set', `option "expiration" must be { type, value } or "KEEPTTL", got ${typeOf(expiration)}`, 'ERR_INVALID_OPTION');
  }
  for (const type of ['EX', 'PX', 'EXAT', 'PXAT'] as const) if (options[type] !== undefined) expire(type, options[type]);
  if (options.KEEPTTL === true) expire('KEEPTTL', undefined);
  if (given.length > 1) refuse('set', `one expiration at most, got ${given.join(' and ')}`, 'ERR_INVALID_OPTION');
  const conditions = [options.condition, options.NX === true ? 'NX' : undefined, options.XX === true ? 'XX' : undefined].filter((c) => c !== undefined);
  if (conditions.length > 1) refuse('set', 'one condition at most (NX or XX)', 'ERR_INVALID_OPTION');
  if (conditions.length === 1) out.condition = conditions[0];
  for (const flag of ['KEEPTTL', 'NX', 'XX', 'GET'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') refuse('set', `option "${flag}" must be true or false, got ${typeOf(options[flag])}`, 'ERR_INVALID_OPTION');
  }
  // Anything else (a string amount, a negative TTL) is refused by leanredis's own checks.
  return [options.GET === true ? 'setGet' : 'set', [key, value, out]];
}

/** SCAN's options as node-redis spells them. */
function scanOptions(method: string, raw: unknown): { match?: unknown; count?: unknown; type?: unknown } | undefined {
  if (raw === undefined) return undefined;
  const o = checkKeys(method, raw, method === 'scan' || method === 'scanIterator' ? ['MATCH', 'COUNT', 'TYPE', 'cursor'] : ['MATCH', 'COUNT', 'cursor']);
  const out: Record<string, unknown> = {};
  if (o.MATCH !== undefined) out.match = o.MATCH;
  if (o.COUNT !== undefined) out.count = o.COUNT;
  if (o.TYPE !== undefined) out.type = o.TYPE;
  return out;
}

const EXPIRE_MODES = ['NX', 'XX', 'GT', 'LT'];
const number = (r: boolean | number): number => Number(r);
const upTo = (name: string, most: number, target = name): Build => (args) => {
  if (args.length > most) refuse(name, `expected at most ${most} arguments, got ${args.length}`);
  return [target, args];
};
const expireBuild = (name: string): Build => (args) => {
  const [key, amount, mode] = args;
  if (mode !== undefined && !EXPIRE_MODES.includes(mode as string)) refuse(name, `mode must be "NX", "XX", "GT" or "LT", got ${typeOf(mode)}`);
  return [name, mode === undefined ? [key, amount] : [key, amount, mode]];
};
/** hSet(key, field, value) or hSet(key, { field: value }) / hSet(key, [[field, value]]). */
const hSetBuild: Build = (args) => {
  if (args.length === 3) return ['hSet', [args[0], { [String(args[1])]: args[2] }]];
  if (args.length === 2) return ['hSet', args];
  return refuse('hSet', `expected (key, field, value) or (key, entries), got ${args.length} arguments`);
};
/** zAdd(key, { score, value } | [...], options): node-redis names the member `value`. */
const zAddBuild: Build = (args) => {
  const [key, members, raw] = args;
  const list = Array.isArray(members) ? members : [members];
  const items = list.map((m: unknown) => {
    const o = checkKeys('zAdd', m, ['score', 'value']);
    return { member: o.value, score: o.score };
  });
  if (raw === undefined) return ['zAdd', [key, items]];
  const o = checkKeys('zAdd', raw, ['condition', 'comparison', 'CH', 'NX', 'XX', 'GT', 'LT']);
  const out: Record<string, unknown> = {};
  const condition = o.condition ?? (o.NX === true ? 'NX' : o.XX === true ? 'XX' : undefined);
  const comparison = o.comparison ?? (o.GT === true ? 'GT' : o.LT === true ? 'LT' : undefined);
  if (condition !== undefined) out.condition = condition;
  if (comparison !== undefined) out.comparison = comparison;
  if (o.CH === true) out.changed = true;
  return ['zAdd', [key, items, out]];
};
/** zRange(key, min, max, { BY, REV, LIMIT: { offset, count } }). */
const zRangeBuild = (name: string, target: string): Build => (args) => {
  const [key, min, max, raw] = args;
  if (raw === undefined) return [target, [key, min, max]];
  const o = checkKeys(name, raw, ['BY', 'REV', 'LIMIT']);
  const out: Record<string, unknown> = {};
  if (o.BY !== undefined) out.by = o.BY;
  if (o.REV === true) out.reverse = true;
  if (o.LIMIT !== undefined) {
    const limit = checkKeys(name, o.LIMIT, ['offset', 'count']);
    out.limit = { offset: limit.offset, count: limit.count };
  }
  return [target, [key, min, max, out]];
};
const withScores = (r: { member: unknown; score: number }[]): { value: unknown; score: number }[] => r.map((m) => ({ value: m.member, score: m.score }));

/** node-redis v5 method -> how to call leanredis, and how to shape the reply. */
const COMMANDS = {
  get: [upTo('get', 1)],
  set: [setArgs],
  setEx: [upTo('setEx', 3)],
  pSetEx: [upTo('pSetEx', 3)],
  setNX: [upTo('setNX', 2), number],
  getDel: [upTo('getDel', 1)],
  getSet: [upTo('getSet', 2)],
  mGet: [upTo('mGet', 1)],
  mSet: [upTo('mSet', 1)],
  append: [upTo('append', 2)],
  strLen: [upTo('strLen', 1)],
  incr: [upTo('incr', 1)],
  incrBy: [upTo('incrBy', 2)],
  incrByFloat: [upTo('incrByFloat', 2), String],
  decr: [upTo('decr', 1)],
  decrBy: [upTo('decrBy', 2)],
  del: [upTo('del', 1)],
  unlink: [upTo('unlink', 1)],
  exists: [upTo('exists', 1)],
  touch: [upTo('touch', 1)],
  expire: [expireBuild('expire'), number],
  pExpire: [expireBuild('pExpire'), number],
  expireAt: [expireBuild('expireAt'), number],
  pExpireAt: [expireBuild('pExpireAt'), number],
  ttl: [upTo('ttl', 1)],
  pTTL: [upTo('pTTL', 1, 'pTtl')],
  persist: [upTo('persist', 1), number],
  type: [upTo('type', 1)],
  keys: [upTo('keys', 1)],
  rename: [upTo('rename', 2)],
  dbSize: [upTo('dbSize', 0)],
  flushDb: [upTo('flushDb', 1)],
  flushAll: [upTo('flushAll', 1)],
  ping: [upTo('ping', 1)],
  hSet: [hSetBuild],
  hGet: [upTo('hGet', 2)],
  hMGet: [upTo('hMGet', 2)],
  hGetAll: [upTo('hGetAll', 1), (r: Record<string, unknown>) => ({ ...r })],
  hDel: [upTo('hDel', 2)],
  hExists: [upTo('hExists', 2), number],
  hIncrBy: [upTo('hIncrBy', 3)],
  hKeys: [upTo('hKeys', 1)],
  hVals: [upTo('hVals', 1)],
  hLen: [upTo('hLen', 1)],
  sAdd: [upTo('sAdd', 2)],
  sRem: [upTo('sRem', 2)],
  sMembers: [upTo('sMembers', 1)],
  sIsMember: [upTo('sIsMember', 2), number],
  sCard: [upTo('sCard', 1)],
  zAdd: [zAddBuild],
  zRem: [upTo('zRem', 2)],
  zScore: [upTo('zScore', 2)],
  zCard: [upTo('zCard', 1)],
  zCount: [upTo('zCount', 3)],
  zIncrBy: [upTo('zIncrBy', 3)],
  zRemRangeByScore: [upTo('zRemRangeByScore', 3)],
  zRange: [zRangeBuild('zRange', 'zRange')],
  zRangeWithScores: [zRangeBuild('zRangeWithScores', 'zRangeWithScores'), withScores],
  lPush: [upTo('lPush', 2)],
  rPush: [upTo('rPush', 2)],
  lPop: [upTo('lPop', 1)],
  rPop: [upTo('rPop', 1)],
  lRange: [upTo('lRange', 3)],
  lLen: [upTo('lLen', 1)],
  lTrim: [upTo('lTrim', 3)],
  lRem: [upTo('lRem', 3)],
  publish: [upTo('publish', 2)],
  sPublish: [upTo('sPublish', 2)],
  scriptLoad: [upTo('scriptLoad', 1)],
  scan: [(args) => [args.length > 2 ? refuse('scan', `expected at most 2 arguments, got ${args.length}`) : 'scan', [String(args[0] ?? '0'), scanOptions('scan', args[1])]], (r: { cursor: string; keys: unknown[] }) => ({ cursor: r.cursor, keys: r.keys })],
  ...STREAM_COMMANDS,
} satisfies Record<string, [Build, Shape?]>;

/**
 * The command methods, typed loosely on purpose: the library at the other end (connect-redis,
 * Keyv...) declares node-redis's types itself, and the adapter checks arguments at run time.
 */
export type NodeRedisCommands = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis's replies vary by command; see above
  [K in keyof typeof COMMANDS]: (...args: any[]) => Promise<any>;
};

/** The same methods inside multi(): each queues its command and returns the multi, to chain. */
export type NodeRedisMultiCommands = {
  [K in keyof typeof COMMANDS]: (...args: unknown[]) => NodeRedisMulti & NodeRedisMultiCommands;
};

const QUEUE: unique symbol = Symbol('leanredis.compat.queue');
const BRIDGE: unique symbol = Symbol('leanredis.compat.bridge');

/** Commands queued in a node-redis multi(): sent as MULTI/EXEC, or as a pipeline with exec(true). */
export class NodeRedisMulti {
  readonly #client: AnyClient;
  readonly #queued: [command: Command | undefined, method: string, args: Args][] = [];

  constructor(client: AnyClient) {
    this.#client = client;
  }

  [QUEUE](command: Command, method: string, args: Args): void {
    this.#queued.push([command, method, args]);
  }

  /** A raw command (node-redis `addCommand`). */
  addCommand(args: readonly (string | Buffer)[]): this {
    if (!Array.isArray(args) || args.length === 0) refuse('addCommand', 'expected a non-empty array of arguments');
    this.#queued.push([undefined, 'call', [...args]]);
    return this;
  }

  /** Sends the queued commands: MULTI/EXEC, or a pipeline when `execAsPipeline` is true (node-redis's exec(true)). */
  exec(execAsPipeline = false): Promise<unknown[] | null> {
    const client = this.#client as Client<string>;
    const batch = (execAsPipeline ? client.pipeline<unknown[]>() : client.multi<unknown[]>()) as unknown as Record<string, (...a: Args) => unknown> & (Pipeline<unknown[]> | Multi<unknown[]>);
    const shapes: (Shape | undefined)[] = [];
    for (const [command, method, args] of this.#queued) {
      batch[method](...args);
      shapes.push(command?.shape);
    }
    this.#queued.length = 0;
    return (batch.exec() as Promise<unknown[] | null>).then((replies) => (replies === null ? null : replies.map((r, i) => (shapes[i] === undefined ? r : (shapes[i] as (r: unknown) => unknown)(r)))));
  }

  /** Sends the queued commands as a pipeline. */
  execAsPipeline(): Promise<unknown[] | null> {
    return this.exec(true);
  }
}

/**
 * A leanredis client with node-redis v5's call shapes (see the file's header). Extends
 * EventEmitter: node-redis's events are bridged from the client's (`error`, `reconnecting`,
 * `ready` and `connect` when a connection is ready, `end` after close()).
 */
export class NodeRedisClient extends EventEmitter {
  /** The leanredis client underneath. */
  readonly client: AnyClient;
  #subscriptions: Subscriptions | undefined;
  #bridged = 0; // bit per client event already forwarded

  constructor(client: AnyClient) {
    super();
    if (typeof (client as { subscribe?: unknown } | null)?.subscribe !== 'function' || typeof (client as { duplicate?: unknown }).duplicate !== 'function') {
      refuse('toNodeRedis', `expected a leanredis client, got ${typeOf(client)}`);
    }
    this.client = client;
    this.on('newListener', bridgeEvent);
  }

  /** node-redis: true from connect() to close(). Here: until close(), as leanredis dials on demand. */
  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /** node-redis: a connection is ready. Here: the client is open (commands wait for a connection within their deadline). */
  get isReady(): boolean {
    return this.client.isOpen;
  }

  /** Dials now (node-redis requires it before commands; leanredis does not). Safe to call again. */
  async connect(): Promise<this> {
    await this.client.connect();
    return this;
  }

  /** Lets pending commands finish, ends the subscriptions, closes the client. */
  async close(): Promise<void> {
    await this.#subscriptions?.close();
    await this.client.close();
    this.emit('end');
  }

  /** node-redis v4's name for close(). */
  quit(): Promise<void> {
    return this.close();
  }

  /** Closes at once; pending commands reject. */
  destroy(): void {
    this.#subscriptions?.destroy();
    this.client.destroy();
    this.emit('end');
  }

  /** node-redis v4's name for destroy(). */
  async disconnect(): Promise<void> {
    this.destroy();
  }

  /**
   * A second adapter over a new leanredis client with the same options (node-redis's
   * `duplicate()`, e.g. for a subscriber); closing one does not close the other.
   */
  duplicate(): NodeRedisClient & NodeRedisCommands {
    return new NodeRedisClient((this.client as Client<string>).duplicate()) as NodeRedisClient & NodeRedisCommands;
  }

  /** A raw command: `sendCommand(['PUBSUB', 'NUMSUB', channel])`; the reply as the client's protocol gives it. */
  sendCommand(args: readonly (string | Buffer)[]): Promise<unknown> {
    if (!Array.isArray(args) || args.length === 0 || typeof args[0] !== 'string') refuse('sendCommand', 'expected an array whose first element is the command name');
    return this.client.call(args[0] as string, ...(args.slice(1) as (string | Buffer)[]));
  }

  /** MULTI/EXEC (or a pipeline with `exec(true)`) with node-redis's method names. */
  multi(): NodeRedisMulti & NodeRedisMultiCommands {
    return new NodeRedisMulti(this.client) as NodeRedisMulti & NodeRedisMultiCommands;
  }

  /** EVALSHA, falling back to EVAL: `eval(script, { keys, arguments })` (leanredis's own shape). */
  eval(script: string, options?: { keys?: string[]; arguments?: string[] }): Promise<unknown> {
    return this.client.eval(script, options === undefined ? undefined : (checkKeys('eval', options, ['keys', 'arguments']) as { keys?: string[]; arguments?: string[] }));
  }

  /** EVALSHA sha { keys, arguments }. */
  evalSha(sha: string, options?: { keys?: string[]; arguments?: string[] }): Promise<unknown> {
    return this.client.evalSha(sha, options === undefined ? undefined : (checkKeys('evalSha', options, ['keys', 'arguments']) as { keys?: string[]; arguments?: string[] }));
  }

  /**
   * Every key matching the options, as node-redis v5 yields them: one array of keys per SCAN
   * step (not one key at a time).
   */
  scanIterator(options?: { MATCH?: string; COUNT?: number; TYPE?: string; cursor?: string }): AsyncGenerator<string[]> {
    // Checked here, synchronously; the generator below runs at the first next().
    return this.#scanSteps(scanOptions('scanIterator', options), options?.cursor ?? '0');
  }

  async *#scanSteps(lean: object | undefined, from: string): AsyncGenerator<string[]> {
    let cursor = from;
    do {
      const step = (await (this.client as Client<string>).scan(cursor, lean as never)) as { cursor: string; keys: string[] };
      cursor = step.cursor;
      yield step.keys;
    } while (cursor !== '0');
  }

  /** SUBSCRIBE: `listener(message, channel)`; `bufferMode` gives Buffers. */
  subscribe(channels: string | readonly string[], listener: (message: string | Buffer, channel: string | Buffer) => void, bufferMode = false): Promise<void> {
    return this.#subscribe('channel', 'subscribe', channels, listener, bufferMode);
  }

  /** PSUBSCRIBE: `listener(message, channel)` with the channel that matched. */
  pSubscribe(patterns: string | readonly string[], listener: (message: string | Buffer, channel: string | Buffer) => void, bufferMode = false): Promise<void> {
    return this.#subscribe('pattern', 'pSubscribe', patterns, listener, bufferMode);
  }

  /** SSUBSCRIBE (Redis 7 shard channels). */
  sSubscribe(channels: string | readonly string[], listener: (message: string | Buffer, channel: string | Buffer) => void, bufferMode = false): Promise<void> {
    return this.#subscribe('shard', 'sSubscribe', channels, listener, bufferMode);
  }

  /** Removes `listener` (or every listener) from the channels (or from every channel). */
  unsubscribe(channels?: string | readonly string[], listener?: unknown): Promise<void> {
    return this.#unsubscribe('channel', channels, listener);
  }

  pUnsubscribe(patterns?: string | readonly string[], listener?: unknown): Promise<void> {
    return this.#unsubscribe('pattern', patterns, listener);
  }

  sUnsubscribe(channels?: string | readonly string[], listener?: unknown): Promise<void> {
    return this.#unsubscribe('shard', channels, listener);
  }

  #subscribe(kind: Kind, method: string, names: unknown, listener: unknown, bufferMode: unknown): Promise<void> {
    const list = nameList(method, names, false)!;
    if (typeof listener !== 'function') refuse(method, 'the listener must be a function (node-redis delivers messages to it)');
    if (typeof bufferMode !== 'boolean') refuse(method, `bufferMode must be true or false, got ${typeOf(bufferMode)}`);
    const fn = listener as (message: string | Buffer, channel: string | Buffer) => void;
    const deliver = bufferMode
      ? (message: string | Buffer, channel: string) => fn(message, Buffer.from(channel))
      : (message: string | Buffer, channel: string) => fn(message, channel);
    return (this.#subscriptions ??= new Subscriptions(this.client)).add(kind, list, deliver, bufferMode, listener);
  }

  #unsubscribe(kind: Kind, names: unknown, listener: unknown): Promise<void> {
    const list = nameList(kind === 'channel' ? 'unsubscribe' : kind === 'pattern' ? 'pUnsubscribe' : 'sUnsubscribe', names, true);
    return this.#subscriptions?.remove(kind, list, listener) ?? Promise.resolve();
  }

  /** Forwards a client event under node-redis's names, once per event. */
  [BRIDGE](event: string): void {
    const bit = event === 'error' ? 1 : event === 'reconnecting' ? 2 : event === 'ready' || event === 'connect' ? 4 : 0;
    if (bit === 0 || (this.#bridged & bit) !== 0) return;
    this.#bridged |= bit;
    const client = this.client as Client<string>;
    if (bit === 1) client.on('error', (error) => this.emit('error', error));
    else if (bit === 2) client.on('reconnecting', (info) => this.emit('reconnecting', info));
    else
      client.on('ready', () => {
        this.emit('connect');
        this.emit('ready');
      });
  }
}

// One shared function (not a closure per adapter): EventEmitter calls it with the adapter as `this`.
function bridgeEvent(this: NodeRedisClient, event: string | symbol): void {
  if (typeof event === 'string') this[BRIDGE](event);
}

function nameList(method: string, names: unknown, isOptional: boolean): string[] | undefined {
  if (names === undefined && isOptional) return undefined;
  const list = Array.isArray(names) ? names : [names];
  if (list.length === 0) refuse(method, 'expected at least one name, got an empty array');
  for (const n of list) if (typeof n !== 'string') refuse(method, `names must be strings, got ${typeOf(n)}`);
  return list as string[];
}

// The command methods, shared on the prototypes: one function per method, not per adapter.
for (const [name, [build, shape]] of Object.entries(COMMANDS as Record<string, [Build, Shape?]>)) {
  const command: Command = { build, shape };
  Object.defineProperty(NodeRedisClient.prototype, name, {
    configurable: true,
    writable: true,
    value: function (this: NodeRedisClient, ...args: Args): Promise<unknown> {
      const [method, leanArgs] = command.build(args);
      const reply = ((this.client as unknown as Record<string, (...a: Args) => Promise<unknown>>)[method])(...leanArgs);
      return shape === undefined ? reply : reply.then(shape as (r: unknown) => unknown);
    },
  });
  Object.defineProperty(NodeRedisMulti.prototype, name, {
    configurable: true,
    writable: true,
    value: function (this: NodeRedisMulti, ...args: Args): NodeRedisMulti {
      const [method, leanArgs] = command.build(args);
      this[QUEUE](command, method, leanArgs);
      return this;
    },
  });
}

/**
 * Presents `client` with node-redis v5's call shapes. The adapter does not own the client:
 * `close()` closes it, but you may keep using the client directly too.
 */
export function toNodeRedis(client: AnyClient): NodeRedisClient & NodeRedisCommands {
  return new NodeRedisClient(client) as NodeRedisClient & NodeRedisCommands;
}
