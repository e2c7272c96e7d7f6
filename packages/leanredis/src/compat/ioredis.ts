// @layer L7 compat
/**
 * `leanredis/compat/ioredis`: a leanredis client presented with the call shapes of ioredis, for
 * libraries written against it: redlock, rate-limiter-flexible (its default, ioredis mode),
 * @socket.io/redis-adapter through its ioredis branch.
 *
 *   import { toIORedis } from 'leanredis/compat/ioredis';
 *   const redlock = new Redlock([toIORedis(createClient({ url, protocol: 2 }))]);
 *
 * ioredis sends every command the same way (lower-case method, positional arguments, arrays
 * flattened one level, an optional node-style callback last) and hands back the raw RESP2
 * reply, so the adapter does the same through `client.call()`: `set(k, v, 'EX', 10)`,
 * `evalsha(sha, [numkeys, ...args], cb)`, `multi().incrby(k, 1).pttl(k).exec()` resolving
 * `[[err, reply], ...]`, `defineCommand(name, { numberOfKeys, lua })`, `status`, `duplicate()`,
 * pub/sub with `message`/`messageBuffer`/`pmessage`/`smessage` events, `xxxBuffer` variants.
 *
 * It needs a client created with `protocol: 2`: ioredis's replies are RESP2's (HGETALL as pairs,
 * ZSCORE as a string), and a RESP3 reply (a map, a double) would silently differ, so a RESP3
 * client is refused. ioredis turns `undefined` and `null` arguments into empty strings; here they
 * are refused with ArgumentError, like every input leanredis cannot take as written.
 */
import { EventEmitter } from 'node:events';
import type { Client, Multi, Pipeline, Settled } from '../index.js';
import { refuse, Subscriptions, typeOf, type AnyClient, type Kind } from './shared.js';

type Args = unknown[];
type Callback = (err: Error | null, result?: unknown) => void;

// Commands ioredis users call most (its generated surface holds every Redis command; the rest
// go through `call(name, ...args)`). Pub/sub and connection-state commands are methods below.
const COMMANDS = (
  'get set setex psetex setnx getdel getex getset getrange setrange mget mset msetnx append strlen incr incrby incrbyfloat ' +
  'decr decrby del unlink exists touch expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime persist type ' +
  'rename renamenx copy keys randomkey dump restore object scan dbsize flushdb flushall ping echo info time ' +
  'hset hsetnx hget hmget hmset hgetall hdel hexists hlen hkeys hvals hincrby hincrbyfloat hstrlen hrandfield hscan ' +
  'sadd srem smembers sismember smismember scard spop srandmember smove sinter sintercard sinterstore sunion sunionstore sdiff sdiffstore sscan ' +
  'zadd zincrby zrem zscore zmscore zrank zrevrank zcard zcount zlexcount zremrangebyrank zremrangebyscore zremrangebylex ' +
  'zpopmin zpopmax zrandmember zscan zrange zrangebyscore zrevrange zrevrangebyscore zrangebylex zrangestore zunion zunionstore zinter zinterstore zdiff zdiffstore ' +
  'lpush rpush lpushx rpushx lpop rpop lrange llen lindex lset lrem ltrim linsert lpos lmove lmpop rpoplpush blpop brpop blmove brpoplpush ' +
  'pfadd pfcount pfmerge setbit getbit bitcount bitpos bitop bitfield geoadd geodist geopos geosearch geosearchstore ' +
  'xadd xlen xrange xrevrange xread xdel xtrim xgroup xreadgroup xack xpending xclaim xautoclaim xinfo ' +
  'eval evalsha eval_ro evalsha_ro script fcall fcall_ro function publish spublish pubsub config memory slowlog command lastsave wait'
).split(' ');

const flatten = (args: Args): Args => {
  let flat: Args | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (Array.isArray(a)) {
      flat ??= args.slice(0, i);
      for (const item of a) flat.push(item);
    } else if (flat !== undefined) flat.push(a);
  }
  return flat ?? args;
};

/** ioredis's argument transformers: mset/msetnx({...}) and hset/hmset(key, {...}) take objects and Maps. */
function pairsOf(value: unknown): Args | undefined {
  if (value instanceof Map) return [...value].flat();
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)) return Object.entries(value).flat();
  return undefined;
}

function commandArgs(name: string, args: Args): Args {
  if ((name === 'mset' || name === 'msetnx') && args.length === 1) return pairsOf(args[0]) ?? flatten(args);
  if ((name === 'hset' || name === 'hmset') && args.length === 2) {
    const pairs = pairsOf(args[1]);
    if (pairs !== undefined) return [args[0], ...pairs];
  }
  const flat = flatten(args);
  for (let i = 0; i < flat.length; i++) {
    const a = flat[i];
    if (a === undefined || a === null) refuse(name, `argument ${i + 1} is ${a}; ioredis would have sent an empty string, pass '' if that is meant`);
  }
  return flat;
}

/** HGETALL's pairs as an object (ioredis's reply transformer). */
function hgetallReply(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) Object.defineProperty(out, String(reply[i]), { value: reply[i + 1], enumerable: true, writable: true, configurable: true });
  return out;
}

/** Splits a trailing node-style callback off the arguments. */
function splitCallback(args: Args): Callback | undefined {
  return typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
}

/** Calls back node-style (err first, null on success: redlock tests `err !== null`) and returns the promise. */
function settle<T>(promise: Promise<T>, callback: Callback | undefined): Promise<T> {
  if (callback !== undefined) promise.then((r) => callback(null, r), (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))));
  return promise;
}

interface Script {
  readonly lua: string;
  readonly numberOfKeys: number | undefined;
}

/** EVALSHA-then-EVAL arguments for a defined command: keys and arguments as ioredis's Script takes them. */
function scriptCall(name: string, script: Script, args: Args): { keys: Args; arguments: Args } {
  const flat = flatten(args);
  let count = script.numberOfKeys;
  if (count === undefined) {
    count = Number(flat.shift());
    if (!Number.isSafeInteger(count) || count < 0) refuse(name, 'the first argument must be the number of keys (defined without numberOfKeys)');
  }
  if (flat.length < count) refuse(name, `expected ${count} keys, got ${flat.length} arguments`);
  return { keys: flat.slice(0, count), arguments: flat.slice(count) };
}

const IOREDIS_OPTIONS = Object.freeze({ lazyConnect: true as const });
const QUEUE: unique symbol = Symbol('leanredis.compat.queue');
const BRIDGE: unique symbol = Symbol('leanredis.compat.bridge');

/** Commands queued by `multi()` or `pipeline()`; exec() resolves `[[err, reply], ...]` (null when a WATCHed key changed). */
export class IORedisPipeline {
  readonly #client: AnyClient;
  readonly #isMulti: boolean;
  readonly #queued: [name: string, args: Args, shape: ((r: unknown) => unknown) | undefined][] = [];

  constructor(client: AnyClient, isMulti: boolean) {
    this.#client = client;
    this.#isMulti = isMulti;
  }

  [QUEUE](name: string, args: Args, shape?: (r: unknown) => unknown): this {
    this.#queued.push([name, args, shape]);
    return this;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.#queued.length;
  }

  /** A raw command. */
  call(name: string, ...args: Args): this {
    return this[QUEUE](name, commandArgs(name, args));
  }

  /** Sends them; `callback(err, results)` if given (ioredis ignores a non-function argument, e.g. rate-limiter-flexible's `exec(true)`). */
  exec(callback?: unknown): Promise<[Error | null, unknown][] | null> {
    const client = this.#client as Client<string>;
    const batch = (this.#isMulti ? client.multi<unknown[]>() : client.pipeline<unknown[]>()) as Pipeline<unknown[]> | Multi<unknown[]>;
    for (const [name, args] of this.#queued) batch.call(name, ...(args as string[]));
    const shapes = this.#queued.map((q) => q[2]);
    this.#queued.length = 0;
    const done = (batch.execSettled() as Promise<Settled<unknown[]> | null>).then((results) =>
      results === null ? null : results.map((r, i): [Error | null, unknown] => (r instanceof Error ? [r, undefined] : [null, shapes[i] === undefined ? r : shapes[i]!(r)])),
    );
    return settle(done, typeof callback === 'function' ? (callback as Callback) : undefined);
  }
}

/**
 * A leanredis client with ioredis's call shapes (see the file's header). An EventEmitter with
 * ioredis's events: `error`, `reconnecting`, `connect` and `ready`, `end` after quit(), and the
 * pub/sub messages.
 */
export class IORedisClient extends EventEmitter {
  /** The leanredis client underneath. */
  readonly client: AnyClient;
  #status: 'ready' | 'end' = 'ready';
  #subscriptions: Subscriptions | undefined;
  #scripts: Map<string, Script> | undefined;
  #bridged = 0;

  constructor(client: AnyClient) {
    super();
    if (typeof (client as { subscribe?: unknown } | null)?.subscribe !== 'function' || typeof (client as { duplicate?: unknown }).duplicate !== 'function') {
      refuse('toIORedis', `expected a leanredis client, got ${typeOf(client)}`);
    }
    if (client.protocol !== 2) refuse('toIORedis', "needs a client created with protocol: 2: ioredis's replies are RESP2's, and RESP3 maps and doubles would differ");
    if (client.returnsBuffers) refuse('toIORedis', 'needs a client without returnBuffers: ioredis returns strings, and Buffers through the ...Buffer methods');
    this.client = client;
    this.on('newListener', bridgeEvent);
  }

  /** ioredis's connection status: 'ready' while the client is open (it dials on demand), 'end' after quit() or disconnect(). */
  get status(): string {
    return this.#status === 'ready' && this.client.isOpen ? 'ready' : 'end';
  }

  /**
   * ioredis's options, as far as libraries read them: `lazyConnect` is true, as leanredis dials
   * at the first command (@socket.io/redis-streams-adapter calls connect() on a lazy duplicate).
   */
  get options(): { readonly lazyConnect: true } {
    return IOREDIS_OPTIONS;
  }

  /** Dials now. */
  async connect(callback?: Callback): Promise<void> {
    return settle(
      this.client.connect().then(() => undefined),
      callback,
    );
  }

  /** Lets pending commands finish and closes. */
  quit(callback?: Callback): Promise<'OK'> {
    this.#status = 'end';
    const done = (this.#subscriptions?.close() ?? Promise.resolve())
      .then(() => this.client.close())
      .then(() => {
        this.emit('end');
        return 'OK' as const;
      });
    return settle(done, callback);
  }

  /** Closes at once; pending commands reject. */
  disconnect(): void {
    this.#status = 'end';
    this.#subscriptions?.destroy();
    this.client.destroy();
    this.emit('end');
  }

  /** A new adapter over a new leanredis client with the same options. */
  duplicate(): IORedisClient & IORedisCommands {
    return new IORedisClient((this.client as Client<string>).duplicate()) as IORedisClient & IORedisCommands;
  }

  /** Any command, raw reply: `call('PUBSUB', 'NUMSUB', channel)`. */
  call(name: string, ...args: Args): Promise<unknown> {
    const callback = splitCallback(args);
    return settle(this.client.call(name, ...(commandArgs(name, args) as string[])), callback);
  }

  /** ioredis's older name for call(): `send_command(name, args, callback)`. */
  send_command(name: string, ...args: Args): Promise<unknown> {
    return this.call(name, ...args);
  }

  /** Any command with a Buffer reply. */
  callBuffer(name: string, ...args: Args): Promise<unknown> {
    const callback = splitCallback(args);
    return settle(this.client.with({ returnBuffers: true }).call(name, ...(commandArgs(name, args) as string[])), callback);
  }

  /** MULTI/EXEC: exec() resolves `[[err, reply], ...]`. A list of commands may be given: `multi([['set', 'k', 'v']])`. */
  multi(commands?: unknown[][]): IORedisPipeline & IORedisCommands {
    return queueAll(new IORedisPipeline(this.client, true), commands);
  }

  /** A pipeline: commands written together, no transaction. */
  pipeline(commands?: unknown[][]): IORedisPipeline & IORedisCommands {
    return queueAll(new IORedisPipeline(this.client, false), commands);
  }

  /**
   * Defines `this[name](...keysAndArgs, callback?)` running `lua` (EVALSHA, then EVAL on NOSCRIPT)
   * with `numberOfKeys` keys (or, without it, the key count as the first argument).
   */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void {
    if (typeof name !== 'string' || name === '') refuse('defineCommand', 'the name must be a non-empty string');
    if (typeof definition !== 'object' || definition === null || typeof definition.lua !== 'string') refuse('defineCommand', 'expected { lua, numberOfKeys? }');
    for (const key of Object.keys(definition)) if (key !== 'lua' && key !== 'numberOfKeys' && key !== 'readOnly') refuse('defineCommand', `unknown option "${key}"; accepted: lua, numberOfKeys, readOnly`, 'ERR_INVALID_OPTION');
    const n = definition.numberOfKeys;
    if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) refuse('defineCommand', `numberOfKeys must be an integer >= 0, got ${typeOf(n)}`, 'ERR_INVALID_OPTION');
    const script: Script = { lua: definition.lua, numberOfKeys: n };
    (this.#scripts ??= new Map()).set(name, script);
    const run = definition.readOnly === true ? 'evalRo' : 'eval';
    Object.defineProperty(this, name, {
      configurable: true,
      writable: true,
      value: (...args: Args): Promise<unknown> => {
        const callback = splitCallback(args);
        return settle(this.client[run](script.lua, scriptCall(name, script, args) as never), callback);
      },
    });
  }

  /** SUBSCRIBE: resolves the number of channels subscribed through this adapter; messages arrive as 'message' and 'messageBuffer' events. */
  subscribe(...args: Args): Promise<number> {
    return this.#subscribe('channel', 'subscribe', args);
  }

  psubscribe(...args: Args): Promise<number> {
    return this.#subscribe('pattern', 'psubscribe', args);
  }

  ssubscribe(...args: Args): Promise<number> {
    return this.#subscribe('shard', 'ssubscribe', args);
  }

  unsubscribe(...args: Args): Promise<number> {
    return this.#unsubscribe('channel', args);
  }

  punsubscribe(...args: Args): Promise<number> {
    return this.#unsubscribe('pattern', args);
  }

  sunsubscribe(...args: Args): Promise<number> {
    return this.#unsubscribe('shard', args);
  }

  #subscribe(kind: Kind, method: string, args: Args): Promise<number> {
    const callback = splitCallback(args);
    const names = flatten(args);
    if (names.length === 0) refuse(method, 'expected at least one name');
    for (const n of names) if (typeof n !== 'string') refuse(method, `names must be strings, got ${typeOf(n)}`);
    const subs = (this.#subscriptions ??= new Subscriptions(this.client));
    const fresh = (names as string[]).filter((n) => !subs.has(kind, n));
    const events = EVENTS[kind];
    // One Buffer subscription per name: 'messageBuffer' listeners get the bytes as sent, and the
    // text events get them decoded, as ioredis does.
    const deliver = (message: string | Buffer, channel: string, pattern: string | undefined): void => {
      const bytes = message as Buffer;
      if (kind === 'pattern') {
        if (this.listenerCount(events.text) > 0) this.emit(events.text, pattern, channel, bytes.toString());
        if (this.listenerCount(events.buffer) > 0) this.emit(events.buffer, Buffer.from(pattern!), Buffer.from(channel), bytes);
      } else {
        if (this.listenerCount(events.text) > 0) this.emit(events.text, channel, bytes.toString());
        if (this.listenerCount(events.buffer) > 0) this.emit(events.buffer, Buffer.from(channel), bytes);
      }
    };
    const done = (fresh.length === 0 ? Promise.resolve() : subs.add(kind, fresh, deliver, true, undefined)).then(() => subs.size);
    return settle(done, callback);
  }

  #unsubscribe(kind: Kind, args: Args): Promise<number> {
    const callback = splitCallback(args);
    const names = flatten(args) as string[];
    const subs = this.#subscriptions;
    const done = subs === undefined ? Promise.resolve(0) : subs.remove(kind, names.length === 0 ? undefined : names, undefined).then(() => subs.size);
    return settle(done, callback);
  }

  [BRIDGE](event: string): void {
    const bit = event === 'error' ? 1 : event === 'reconnecting' ? 2 : event === 'ready' || event === 'connect' ? 4 : 0;
    if (bit === 0 || (this.#bridged & bit) !== 0) return;
    this.#bridged |= bit;
    const client = this.client as Client<string>;
    if (bit === 1) client.on('error', (error) => this.emit('error', error));
    else if (bit === 2) client.on('reconnecting', () => this.emit('reconnecting'));
    else
      client.on('ready', () => {
        this.emit('connect');
        this.emit('ready');
      });
  }
}

const EVENTS: Record<Kind, { text: string; buffer: string }> = {
  channel: { text: 'message', buffer: 'messageBuffer' },
  pattern: { text: 'pmessage', buffer: 'pmessageBuffer' },
  shard: { text: 'smessage', buffer: 'smessageBuffer' },
};

function bridgeEvent(this: IORedisClient, event: string | symbol): void {
  if (typeof event === 'string') this[BRIDGE](event);
}

function queueAll(pipeline: IORedisPipeline, commands: unknown[][] | undefined): IORedisPipeline & IORedisCommands {
  const p = pipeline as IORedisPipeline & Record<string, (...a: Args) => unknown>;
  if (commands !== undefined) {
    if (!Array.isArray(commands)) refuse('multi', `expected an array of commands, got ${typeOf(commands)}`);
    for (const c of commands) {
      if (!Array.isArray(c) || typeof c[0] !== 'string') refuse('multi', 'each command is an array whose first element is its name');
      const method = p[c[0]];
      if (typeof method === 'function') method.apply(p, c.slice(1));
      else p.call(c[0], ...c.slice(1));
    }
  }
  return p as unknown as IORedisPipeline & IORedisCommands;
}

/**
 * The lower-case command methods, typed loosely on purpose: the library at the other end
 * declares ioredis's types itself, and the adapter checks arguments at run time.
 */
export type IORedisCommands = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are raw RESP2 values, as ioredis gives them
  [name: string]: any;
  // Named too, for libraries whose types require them (@types/redlock's CompatibleRedisClient).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  eval(...args: any[]): Promise<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  evalsha(...args: any[]): Promise<any>;
};

// The command methods, shared on the prototypes: `name(...args, callback?)` and `nameBuffer`.
for (const name of COMMANDS) {
  const shape = name === 'hgetall' ? hgetallReply : undefined;
  for (const asBuffers of [false, true]) {
    const method = asBuffers ? `${name}Buffer` : name;
    Object.defineProperty(IORedisClient.prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: IORedisClient, ...args: Args): Promise<unknown> {
        const callback = splitCallback(args);
        const runner = asBuffers ? this.client.with({ returnBuffers: true }) : this.client;
        const reply = runner.call(name, ...(commandArgs(name, args) as string[]));
        return settle(shape === undefined ? reply : reply.then(shape), callback);
      },
    });
    Object.defineProperty(IORedisPipeline.prototype, method, {
      configurable: true,
      writable: true,
      value: function (this: IORedisPipeline, ...args: Args): IORedisPipeline {
        if (asBuffers) refuse(method, 'Buffer replies are not available inside multi() or pipeline() here; use the method without "Buffer"');
        return this[QUEUE](name, commandArgs(name, args), shape);
      },
    });
  }
}

/**
 * Presents `client` (created with `protocol: 2`) with ioredis's call shapes. quit() closes the
 * client; you may keep using it directly too.
 */
export function toIORedis(client: AnyClient): IORedisClient & IORedisCommands {
  return new IORedisClient(client) as IORedisClient & IORedisCommands;
}
