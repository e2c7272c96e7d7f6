/**
 * The duration-sink tests' mixed workload (otel-duration-sink.test.ts,
 * prometheus-duration-sink.test.ts): every path a command is sent by, so a recorder fed by the
 * sink can be compared with one fed by the channels on the same kinds of commands.
 */
import assert from 'node:assert/strict';
import type { Client } from '../../src/index.ts';

const SCRIPT_PREFIX = 'return "sink test ';

/**
 * Every send path, in one run: successes, WRONGTYPE, an argument error, a per-call timeout,
 * blocking commands (timed out, empty, answered), eval's NOSCRIPT fallback, pipelines, MULTI,
 * a lease with SELECT, watch(), SUBSCRIBE and UNSUBSCRIBE. `n` makes each run's script new to
 * the server (NOSCRIPT once).
 */
export async function workload(client: Client, n: number): Promise<void> {
  for (let i = 0; i < 5; i++) await client.get('k');
  await client.set('s', 'v');
  await Promise.all([client.get('a'), client.get('b'), client.incr('n')]);
  await assert.rejects(client.lPush('s', 'x'), { code: 'WRONGTYPE' });
  assert.throws(() => client.get(undefined as never), { code: 'ERR_INVALID_ARGUMENT' });
  await assert.rejects(client.with({ timeoutMs: 50 }).blPop('sink:never', 1), { code: 'ERR_COMMAND_TIMEOUT' });
  assert.equal(await client.blPop('sink:empty', 0.05), null);
  await client.rPush('sink:list', 'e');
  assert.deepEqual(await client.blPop('sink:list', 1), { key: 'sink:list', element: 'e' });
  assert.equal(await client.eval(`${SCRIPT_PREFIX}${n}"`), `sink test ${n}`);
  assert.equal(await client.eval(`${SCRIPT_PREFIX}${n}"`), `sink test ${n}`);
  await client.pipeline().set('p', '1').get('p').incr('p').exec();
  await client.pipeline().get('p').get('p').exec();
  await client.multi().get('p').get('p').exec();
  {
    await using conn = await client.acquire();
    await conn.get('k');
    await assert.rejects(conn.lPush('s', 'x'), { code: 'WRONGTYPE' });
    await conn.select(2);
  }
  await client.watch(['w'], async (tx) => {
    await tx.get('w');
    return tx.multi().set('w', '1');
  });
  const sub = await client.subscribe('sink:chan', () => {});
  await sub.unsubscribe();
}

/** Batches that fail: an error reply inside a pipeline, a transaction the server discards (EXECABORT). */
export async function failingBatches(client: Client): Promise<void> {
  await assert.rejects(client.pipeline().get('s').lPush('s', 'x').exec(), { code: 'ERR_PIPELINE' });
  await assert.rejects(client.multi().get('s').call('GET').exec(), { code: 'EXECABORT' });
}

/** Closes the client, then sends a command on it (ERR_CLIENT_CLOSED). */
export async function closedClientCommand(client: Client): Promise<void> {
  await client.close();
  await assert.rejects(client.get('k'), { code: 'ERR_CLIENT_CLOSED' });
}
