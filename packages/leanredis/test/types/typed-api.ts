/**
 * Type-level tests of the public API. Compiled by `npm run typecheck` (test/tsconfig.json),
 * never executed: every `assertType<Equal<...>>()` must hold exactly, and every line after
 * `// @ts-expect-error` must be a type error (tsc fails if it is not).
 */
import {
  createClient,
  Client,
  Lease,
  LeanRedisError,
  PipelineError,
  ReplyError,
  type ClientOptions,
  type ClientStats,
  type Runner,
  type ScoredMember,
  type Settled,
  type Subscription,
} from '../../src/index.ts';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when T is `true`. The arguments are the values T talks about (so they count as used). */
function assertType<T extends true>(..._values: unknown[]): T | void {}

/** Compiles only when `value` is assignable to T. */
function expectType<T>(value: T): T {
  return value;
}

/** The resolved value of a method's promise. */
type Resolved<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

export async function stringClient(): Promise<void> {
  const client = createClient('redis://127.0.0.1:6379/0');
  assertType<Equal<typeof client, Client<string>>>(client);

  const value = await client.get('k');
  assertType<Equal<typeof value, string | null>>(value);
  const count = await client.incr('n');
  assertType<Equal<typeof count, number>>(count);
  const set = await client.set('k', 'v', { expireSeconds: 10, condition: 'NX' });
  assertType<Equal<typeof set, 'OK' | null>>(set);
  const many = await client.mGet(['a', Buffer.from('b')]);
  assertType<Equal<typeof many, (string | null)[]>>(many);
  const hash = await client.hGetAll('h');
  assertType<Equal<typeof hash, Record<string, string>>>(hash);
  const scored = await client.zRangeWithScores('z', 0, -1);
  assertType<Equal<typeof scored, ScoredMember[]>>(scored);
  assertType<Equal<(typeof scored)[number], { member: string; score: number }>>(scored);
  const raw = await client.call('OBJECT', 'ENCODING', 'k');
  assertType<Equal<typeof raw, unknown>>(raw);
  const script = await client.eval('return 1', { keys: ['k'], arguments: ['a', 1, Buffer.from('b')] });
  assertType<Equal<typeof script, unknown>>(script);

  // Keys are strings or Buffers; values may also be numbers; call() also takes bigints.
  await client.get(Buffer.from('k'));
  await client.set('k', 1);
  await client.set(Buffer.from('k'), Buffer.from('v'));
  await client.call('INCRBY', 'n', 10n);

  // @ts-expect-error a bigint is not a key
  await client.get(123n);
  // @ts-expect-error a number is not a key
  await client.get(123);
  // @ts-expect-error null is not a key
  await client.get(null);
  // @ts-expect-error the key is required
  await client.get();
  // @ts-expect-error GET takes one key
  await client.get('a', 'b');
  // @ts-expect-error a value is required
  await client.set('k');
  // @ts-expect-error an object is not a value
  await client.set('k', { a: 1 });
  // @ts-expect-error the condition is NX or XX
  await client.set('k', 'v', { condition: 'YY' });
  // @ts-expect-error incrBy takes a number
  await client.incrBy('n', '10');
  // @ts-expect-error call() arguments are strings, Buffers, numbers or bigints
  await client.call('SET', 'k', null);
  // @ts-expect-error no such command method
  await client.gett('k');
  // @ts-expect-error methods are camelCase per Redis token (hGetAll, not hgetall)
  await client.hgetall('h');

  // Results are not `any`: using them wrongly is an error.
  // @ts-expect-error string | null has no toFixed
  value.toFixed();
  // @ts-expect-error a number is not a string
  expectType<string>(count);
}

export async function pipelinesAndTransactions(): Promise<void> {
  const client = createClient({ url: 'redis://127.0.0.1:6379' });

  const tuple = await client.pipeline().get('k').incr('n').exec();
  assertType<Equal<typeof tuple, [string | null, number]>>(tuple);
  const [a, b] = tuple;
  assertType<Equal<typeof a, string | null>>(a);
  assertType<Equal<typeof b, number>>(b);

  const mixed = await client.pipeline().set('k', 'v').hGetAll('h').call('PING').zRangeWithScores('z', 0, -1).exec();
  assertType<Equal<typeof mixed, ['OK' | null, Record<string, string>, unknown, ScoredMember[]]>>(mixed);
  const empty = await client.pipeline().exec();
  assertType<Equal<typeof empty, []>>(empty);

  const settled = await client.pipeline().get('k').incr('n').execSettled();
  assertType<Equal<typeof settled, [string | null | LeanRedisError, number | LeanRedisError]>>(settled);
  assertType<Equal<typeof settled, Settled<[string | null, number]>>>(settled);

  // On the shared connection WATCH is refused, so EXEC cannot abort: no `| null`.
  const tx = await client.multi().get('k').incr('n').exec();
  assertType<Equal<typeof tx, [string | null, number]>>(tx);
  const txSettled = await client.multi().incr('n').execSettled();
  assertType<Equal<typeof txSettled, [number | LeanRedisError]>>(txSettled);

  // @ts-expect-error pipeline methods check their arguments too
  client.pipeline().get(1);
  // @ts-expect-error no such command on a pipeline
  client.pipeline().gett('k');
  expectType<[string | null]>(await client.multi().get('k').exec());

  const watched = await client.watch(['k'], async (lease) => {
    const current = await lease.get('k');
    assertType<Equal<typeof current, string | null>>(current);
    return lease.multi().set('k', 'v').incr('n');
  });
  // The body cannot give up, and a conflict on every attempt rejects (ERR_WATCH_CONFLICT): no `| null`.
  assertType<Equal<typeof watched, ['OK' | null, number]>>(watched);
  await client.watch(['k'], () => undefined, { retries: 3 });

  try {
    await client.pipeline().get('k').exec();
  } catch (err) {
    if (err instanceof PipelineError) {
      assertType<Equal<typeof err.results, unknown[]>>(err);
      assertType<Equal<typeof err.errors, LeanRedisError[]>>(err);
    }
    if (err instanceof ReplyError) {
      assertType<Equal<typeof err.code, string>>(err);
      assertType<Equal<typeof err.command, string | undefined>>(err);
    }
  }
}

export async function bufferClient(): Promise<void> {
  const client = createClient({ url: 'redis://127.0.0.1:6379', returnBuffers: true });
  assertType<Equal<typeof client, Client<Buffer>>>(client);
  const value = await client.get('k');
  assertType<Equal<typeof value, Buffer | null>>(value);
  assertType<Equal<Resolved<typeof client.incr>, number>>(client);
  assertType<Equal<Resolved<typeof client.set>, 'OK' | null>>(client);
  assertType<Equal<Resolved<typeof client.hGetAll>, Record<string, Buffer>>>(client);
  assertType<Equal<Resolved<typeof client.mGet>, (Buffer | null)[]>>(client);
  const scored = await client.zRangeWithScores('z', 0, -1);
  assertType<Equal<(typeof scored)[number], { member: Buffer; score: number }>>(scored);
  const tuple = await client.pipeline().get('k').incr('n').exec();
  assertType<Equal<typeof tuple, [Buffer | null, number]>>(tuple);
  for await (const key of client.scanIterator({ match: 'a*' })) assertType<Equal<typeof key, Buffer>>(key);
  const view = client.with({ timeoutMs: 100 });
  assertType<Equal<typeof view, Runner<Buffer>>>(view);
  assertType<Equal<Resolved<typeof view.get>, Buffer | null>>(view);
  const lease = await client.acquire();
  assertType<Equal<typeof lease, Lease<Buffer>>>(lease);
  assertType<Equal<Resolved<typeof lease.get>, Buffer | null>>(lease);
  lease.release();

  // returnBuffers: false, or left out, is a string client.
  const strings = createClient({ returnBuffers: false });
  assertType<Equal<typeof strings, Client<string>>>(strings);
}

export async function perCallOptionsAndLeases(): Promise<void> {
  const client = createClient();
  const controller = new AbortController();
  const view = client.with({ timeoutMs: 100, signal: controller.signal });
  assertType<Equal<typeof view, Runner<string>>>(view);
  assertType<Equal<Resolved<typeof view.get>, string | null>>(view);
  assertType<Equal<Resolved<typeof view.incr>, number>>(view);
  assertType<Equal<Resolved<typeof view.hGetAll>, Record<string, string>>>(view);
  assertType<Equal<typeof view.get, typeof client.get>>(view);
  // @ts-expect-error timeoutMs is a number of milliseconds
  client.with({ timeoutMs: '100' });
  // @ts-expect-error unknown per-call option
  client.with({ timeout: 100 });

  {
    await using lease = await client.acquire({ timeoutMs: 1000 });
    assertType<Equal<typeof lease, Lease<string>>>(lease);
    // A lease has the same command methods as the client.
    assertType<Equal<typeof lease.get, typeof client.get>>(lease);
    assertType<Equal<typeof lease.zRangeWithScores, typeof client.zRangeWithScores>>(lease);
    assertType<Equal<typeof lease.call, typeof client.call>>(lease);
    assertType<Equal<typeof lease.scanIterator, typeof client.scanIterator>>(lease);
    const tuple = await lease.pipeline().get('k').incr('n').exec();
    assertType<Equal<typeof tuple, [string | null, number]>>(tuple);
    const tx = await lease.multi().get('k').exec();
    assertType<Equal<typeof tx, [string | null] | null>>(tx);
    assertType<Equal<typeof lease.isReleased, boolean>>(lease);
  }
  // @ts-expect-error acquire's timeout is a number
  await client.acquire({ timeoutMs: 'soon' });

  for await (const key of client.scanIterator({ match: 'user:*', count: 100, type: 'hash' })) assertType<Equal<typeof key, string>>(key);
  for await (const entry of client.hScanIterator('h')) assertType<Equal<typeof entry, [field: string, value: string]>>(entry);
  for await (const member of client.sScanIterator('s')) assertType<Equal<typeof member, string>>(member);
  for await (const item of client.zScanIterator('z')) assertType<Equal<typeof item, { member: string; score: number }>>(item);
  // @ts-expect-error HSCAN has no TYPE filter
  client.hScanIterator('h', { type: 'hash' });
}

export async function lifecycleAndOptions(): Promise<void> {
  {
    await using client = createClient({ protocol: 2, commandTimeoutMs: 1000 });
    assertType<Equal<Awaited<ReturnType<typeof client.connect>>, Client<string>>>(client);
    assertType<Equal<ReturnType<typeof client.close>, Promise<void>>>(client);
    assertType<Equal<ReturnType<typeof client.destroy>, void>>(client);
    assertType<Equal<typeof client.isOpen, boolean>>(client);
    const stats = client.stats();
    assertType<Equal<typeof stats, ClientStats>>(stats);
    assertType<Equal<typeof stats.inFlight, number>>(stats);
    client.on('ready', (info) => assertType<Equal<typeof info, { connectionId: number }>>(info));
    client.on('error', (err) => assertType<Equal<typeof err, Error>>(err));
    // @ts-expect-error no such event
    client.on('connected', () => {});
    const sub = await client.subscribe('news', (message, channel) => {
      assertType<Equal<typeof message, string>>(message);
      assertType<Equal<typeof channel, string>>(channel);
    });
    assertType<Equal<typeof sub, Subscription<string>>>(sub);
  }

  const options: ClientOptions = { url: 'redis://127.0.0.1', database: 1, clientName: 'app', credentials: async () => ({ username: 'u', password: 'p' }) };
  createClient(options);
  // @ts-expect-error unknown option (typo)
  createClient({ comandTimeoutMs: 100 });
  // @ts-expect-error protocol is 2 or 3
  createClient({ protocol: 4 });
  // @ts-expect-error timeouts are numbers
  createClient({ connectTimeoutMs: '5s' });
  // @ts-expect-error idleOrder is 'lifo' or 'fifo'
  createClient({ idleOrder: 'random' });
  // @ts-expect-error credentials is a function
  createClient({ credentials: { password: 'p' } });
  // @ts-expect-error a URL or an options object
  createClient(6379);
}
