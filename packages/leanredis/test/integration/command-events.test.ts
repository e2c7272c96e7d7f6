/**
 * One way to observe every command: whatever path sends it (the client, with(), a blocking
 * command, a lease, a watch() body, a pipeline, a transaction, pub/sub), a command publishes
 * the same `leanredis:command` tracing events and `leanredis:command:end`, with the payload
 * docs/observability.md describes; pipelines and transactions also publish `leanredis:batch`,
 * and every dial `leanredis:connect`. Names only, never keys or values, unless the client opts
 * in with `observeArguments`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { createClient, type BatchContext, type CommandContext, type ConnectContext } from '../../src/index.ts';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = useRedisServer({ enableDebug: true }); // DEBUG SLEEP holds a command past its deadline

type Event = [channel: string, context: Record<string, unknown>];
const events: Event[] = [];
const NAMES = [
  'leanredis:command:end',
  ...['command', 'batch', 'connect'].flatMap((name) => ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => `tracing:leanredis:${name}:${event}`)),
];
const listeners = NAMES.map((name) => {
  const listener = (message: unknown): void => void events.push([name, message as Record<string, unknown>]);
  dc.subscribe(name, listener);
  return [name, listener] as const;
});
after(() => {
  for (const [name, listener] of listeners) dc.unsubscribe(name, listener);
});

/** Events about `client`, optionally only those of one channel suffix, as [channel, context]. */
function of(client: object, channel?: string): Event[] {
  return events.filter(([name, context]) => context.client === client && (channel === undefined || name === channel));
}

/** The command contexts a client's commands settled with (leanredis:command:end), by name. */
function ended(client: object, command: string): CommandContext[] {
  return of(client, 'leanredis:command:end')
    .map(([, context]) => context as unknown as CommandContext)
    .filter((c) => c.command === command);
}

/** The sequence of tracing events for one context object. */
function sequence(context: object): string[] {
  return events.filter(([, c]) => c === context).map(([name]) => name.replace(/^tracing:leanredis:/, ''));
}

const SUCCESS = ['command:start', 'command:end', 'command:asyncStart', 'command:asyncEnd', 'leanredis:command:end'];

test('a client command publishes start, end, asyncStart, asyncEnd and command:end with one context: name, server, database, client, connection, duration', async () => {
  await using client = redis.client({ database: 2 });
  const k = uniqueKey();
  await client.set(k, 'secret-value');
  const [set] = ended(client, 'SET');
  assert.ok(set !== undefined, 'SET was published');
  assert.deepEqual(sequence(set), SUCCESS);
  assert.equal(set.address, `127.0.0.1:${redis.port}`);
  assert.equal(set.serverAddress, '127.0.0.1');
  assert.equal(set.serverPort, redis.port);
  assert.equal(set.database, 2);
  assert.equal(set.client, client);
  assert.equal(typeof set.connectionId, 'number');
  assert.equal(set.args, undefined, 'no arguments unless the client opts in');
  assert.equal(set.batch, undefined);
  assert.equal(set.error, undefined);
  assert.ok(set.durationMs >= 0 && set.durationMs < 5000);
  const text = JSON.stringify(of(client).map(([, c]) => ({ ...c, client: undefined, batch: undefined })));
  assert.ok(!text.includes(k) && !text.includes('secret-value'), 'neither the key nor the value reaches an observer');
});

test('concurrent commands whose replies are read together: each duration within the wall time around them, none negative', async () => {
  await using client = redis.client();
  await client.ping();
  const keys = Array.from({ length: 50 }, () => uniqueKey());
  const t0 = performance.now();
  await Promise.all(keys.map((k) => client.get(k)));
  const wall = performance.now() - t0;
  const gets = ended(client, 'GET');
  assert.equal(gets.length, 50);
  for (const get of gets) assert.ok(get.durationMs >= 0 && get.durationMs <= wall, `${get.durationMs} ms of ${wall} ms`);
});

test('a reply error publishes error (before asyncStart/asyncEnd) with the ReplyError; a synchronous ArgumentError publishes error then end only', async () => {
  await using client = redis.client();
  const k = uniqueKey();
  await client.set(k, 'text');
  await assert.rejects(client.incr(k), { code: 'ERR' });
  const [incr] = ended(client, 'INCR');
  assert.deepEqual(sequence(incr), ['command:start', 'command:end', 'command:error', 'command:asyncStart', 'command:asyncEnd', 'leanredis:command:end']);
  assert.equal((incr.error as { code?: string }).code, 'ERR');

  assert.throws(() => client.get({} as unknown as string), { code: 'ERR_INVALID_ARGUMENT' });
  const [get] = ended(client, 'GET');
  assert.deepEqual(sequence(get), ['command:start', 'command:error', 'command:end', 'leanredis:command:end']);
  assert.equal((get.error as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
  assert.equal(get.connectionId, undefined, 'it never left');
});

test('with(), blocking commands, leases and watch() bodies publish the same events', async () => {
  await using client = redis.client();
  const k = uniqueKey();
  await client.with({ timeoutMs: 1000 }).set(k, '1');
  await client.blPop(uniqueKey('empty'), 0.01);
  {
    await using lease = await client.acquire();
    await lease.get(k);
    const [get] = ended(client, 'GET');
    assert.equal(get.connectionId, lease.connectionId, 'the lease connection');
  }
  await client.watch([k], async (tx) => {
    await tx.get(k);
    return tx.multi().incr(k);
  });
  for (const name of ['SET', 'BLPOP', 'GET', 'WATCH', 'INCR']) {
    const contexts = ended(client, name);
    assert.ok(contexts.length > 0, `${name} was published`);
    assert.deepEqual(sequence(contexts[0]), SUCCESS, name);
  }
  assert.equal(typeof ended(client, 'BLPOP')[0].connectionId, 'number', 'the blocking command names its leased connection');
});

test('a pipeline publishes leanredis:batch (mode, size, names, connection) and each command, pointing at its batch', async () => {
  await using client = redis.client();
  const k = uniqueKey();
  await client.pipeline().set(k, '1').incr(k).get(k).exec();
  const [[, batchEvent]] = of(client, 'tracing:leanredis:batch:start');
  const batch = batchEvent as unknown as BatchContext;
  assert.equal(batch.batchMode, 'PIPELINE');
  assert.equal(batch.batchSize, 3);
  assert.deepEqual(batch.commands, ['SET', 'INCR', 'GET']);
  assert.equal(typeof batch.connectionId, 'number');
  assert.equal(batch.error, undefined);
  assert.deepEqual(sequence(batch), ['batch:start', 'batch:end', 'batch:asyncStart', 'batch:asyncEnd']);
  for (const name of ['SET', 'INCR', 'GET']) {
    const [command] = ended(client, name);
    assert.equal(command.batch, batch, `${name} points at its batch`);
    assert.equal(command.connectionId, batch.connectionId);
    assert.deepEqual(sequence(command), SUCCESS);
  }
});

test('a transaction publishes MULTI with its size, and the error of a command inside EXEC on that command and on the batch', async () => {
  await using client = redis.client();
  const k = uniqueKey();
  await client.set(k, 'text');
  await assert.rejects(client.multi().get(k).incr(k).exec(), { code: 'ERR_PIPELINE' });
  const [[, batchEvent]] = of(client, 'tracing:leanredis:batch:asyncEnd');
  const batch = batchEvent as unknown as BatchContext;
  assert.equal(batch.batchMode, 'MULTI');
  assert.equal(batch.batchSize, 2, 'MULTI and EXEC are not counted');
  assert.deepEqual(sequence(batch), ['batch:start', 'batch:end', 'batch:error', 'batch:asyncStart', 'batch:asyncEnd']);
  assert.equal((batch.error as { code?: string }).code, 'ERR');
  const [get] = ended(client, 'GET');
  const [incr] = ended(client, 'INCR');
  assert.equal(get.error, undefined);
  assert.equal((incr.error as { code?: string }).code, 'ERR');
  assert.equal(incr.batch, batch);
});

test('pub/sub commands publish the same events, on the subscriber connection', async () => {
  await using client = redis.client();
  const ch = uniqueKey('ch');
  const sub = await client.subscribe(ch, () => {});
  await sub.unsubscribe();
  const [subscribe] = ended(client, 'SUBSCRIBE');
  const [unsubscribe] = ended(client, 'UNSUBSCRIBE');
  assert.deepEqual(sequence(subscribe), SUCCESS);
  assert.deepEqual(sequence(unsubscribe), SUCCESS);
  assert.equal(typeof subscribe.connectionId, 'number');
  assert.equal(subscribe.args, undefined);
});

test('observeArguments: true shows every argument as "?"; a function decides; anything else is refused', async () => {
  await using masked = redis.client({ observeArguments: true });
  const k = uniqueKey();
  await masked.set(k, 'v');
  await masked.pipeline().get(k).exists(k).exec();
  assert.deepEqual(ended(masked, 'SET')[0].args, ['?', '?']);
  const [[, batch]] = of(masked, 'tracing:leanredis:batch:start');
  assert.deepEqual((batch as unknown as BatchContext).args, [['?'], ['?']]);

  const seen: unknown[] = [];
  await using custom = redis.client({
    observeArguments: (command, args) => {
      seen.push(command);
      return command === 'GET' ? args.map(String) : [];
    },
  });
  await custom.get(k);
  assert.deepEqual(ended(custom, 'GET')[0].args, [k]);
  assert.deepEqual(seen, ['GET']);
  assert.throws(() => createClient({ url: redis.url, observeArguments: 'yes' as unknown as boolean }), { code: 'ERR_INVALID_OPTION', message: /observeArguments/ });
});

test('leanredis:connect: a dial publishes start/end, then asyncStart/asyncEnd once ready (connection id, attempt, tls); a refused dial publishes error', async () => {
  await using client = redis.client();
  await client.ping();
  const [[, startEvent]] = of(client, 'tracing:leanredis:connect:start');
  const dial = startEvent as unknown as ConnectContext;
  assert.deepEqual(sequence(dial), ['connect:start', 'connect:end', 'connect:asyncStart', 'connect:asyncEnd']);
  assert.equal(dial.serverPort, redis.port);
  assert.equal(dial.attempt, 0);
  assert.equal(dial.tls, false);
  assert.equal(typeof dial.connectionId, 'number');
  assert.equal(dial.error, undefined);

  const port = await freePort();
  await using refused = createClient({ port, connectTimeoutMs: 1000 });
  await assert.rejects(refused.connect(), { code: 'ERR_CONNECTION_FAILED' });
  const failed = await waitFor(() => of(refused, 'tracing:leanredis:connect:error')[0]?.[1] as unknown as ConnectContext | undefined);
  assert.equal((failed.error as { code?: string }).code, 'ERR_CONNECTION_FAILED');
  assert.deepEqual(sequence(failed), ['connect:start', 'connect:end', 'connect:error', 'connect:asyncStart', 'connect:asyncEnd']);
});

test('an observed command times out timeoutMs after its call: its deadline and its start share one clock read', async () => {
  await using client = redis.client();
  await client.set(uniqueKey('warm'), '1');
  const sleeping = client.call('DEBUG', 'SLEEP', '1');
  const calledAt = performance.now();
  await assert.rejects(client.with({ timeoutMs: 150 }).get(uniqueKey('late')), { code: 'ERR_COMMAND_TIMEOUT' });
  const waited = performance.now() - calledAt;
  await sleeping;
  const [context] = ended(client, 'GET');
  assert.equal((context.error as { code?: string }).code, 'ERR_COMMAND_TIMEOUT');
  assert.ok(waited >= 149 && waited < 1000, `rejected ${waited.toFixed(1)} ms after the call`);
  assert.ok(context.durationMs >= 149 && context.durationMs <= waited + 1, `durationMs ${context.durationMs.toFixed(1)} (waited ${waited.toFixed(1)})`);
});
