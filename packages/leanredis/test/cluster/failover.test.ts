/**
 * Failover under load against a real 3-master / 3-replica cluster: a master is SIGKILLed while
 * commands run over every slot. Every command succeeds or fails with a typed error; the client
 * refreshes its slot map a bounded number of times (one refresh for many failures, not a storm);
 * traffic is back to 100% once the replica is promoted; no INCR is applied twice (the count of
 * each key lies between its acknowledged INCRs and those plus the ones whose fate is unknown).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCluster, keySlot, type ClusterClient } from '../../src/cluster.ts';
import { LeanRedisError } from '../../src/index.ts';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.ts';
import { waitFor } from '../helpers/wait.ts';

let cluster: RedisCluster;
let client: ClusterClient | undefined;

before(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
});

after(async () => {
  client?.destroy();
  await cluster?.stop();
});

test('SIGKILL of a master under load: typed errors only, a bounded number of refreshes, full service after promotion, no INCR applied twice', async () => {
  client = createCluster({ rootNodes: [cluster.nodes[0].address], commandTimeoutMs: 3000, minRefreshIntervalMs: 500 });
  const keys = Array.from({ length: 300 }, (_, i) => `fo:${i}`);
  await Promise.all(keys.map((k) => client!.set(k, '0')));
  const acked = new Map<string, number>();
  const unknown = new Map<string, number>(); // failed with an error that does not prove the INCR did not run
  const errors = new Map<string, number>();
  const untyped: unknown[] = [];
  let running = true;
  let lastFailureAt = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const key = keys[Math.floor(Math.random() * keys.length)];
      try {
        await client!.incr(key);
        acked.set(key, (acked.get(key) ?? 0) + 1);
      } catch (err) {
        lastFailureAt = performance.now();
        if (!(err instanceof LeanRedisError)) untyped.push(err);
        const code = (err as LeanRedisError).code;
        errors.set(code, (errors.get(code) ?? 0) + 1);
        // Not sent anywhere (refused, cross-slot...) proves it did not run; these may have.
        if (code === 'ERR_CONNECTION_LOST_AFTER_WRITE' || code === 'ERR_COMMAND_TIMEOUT' || code === 'ERR_SOCKET_TIMEOUT') unknown.set(key, (unknown.get(key) ?? 0) + 1);
      }
    }
  };
  const workers = Array.from({ length: 12 }, worker);
  await waitFor(() => [...acked.values()].reduce((a, b) => a + b, 0) > 500, { timeoutMs: 20_000, message: 'load running' });
  const victim = await cluster.masterOf(keySlot(keys[0]));
  const refreshesBefore = client.stats().refreshes;
  const killedAt = performance.now();
  await cluster.kill(victim);
  // The replica takes over after cluster-node-timeout; the client finds out by itself.
  await waitFor(async () => (await cluster.liveMasters()).length === 3 && !(await cluster.liveMasters()).some((m) => m.id === victim.id), { timeoutMs: 30_000, intervalMs: 100, message: 'a replica promoted' });
  const promotedAt = performance.now();
  // 100% success again: 300 consecutive INCRs over every key after the promotion.
  await waitFor(
    async () => {
      try {
        await Promise.all(keys.map((k) => client!.exists(k)));
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000, intervalMs: 50, message: 'every key served again' },
  );
  const recoveredAt = performance.now();
  running = false;
  await Promise.all(workers);
  const refreshes = client.stats().refreshes - refreshesBefore;
  const windowS = (recoveredAt - killedAt) / 1000;
  assert.deepEqual(untyped, [], 'every failure is a LeanRedisError with a code');
  assert.ok(refreshes <= Math.ceil(windowS * 3) + 2, `${refreshes} refreshes in ${windowS.toFixed(1)} s: at most ~3 per second, not one per failed command`);
  assert.ok(recoveredAt - promotedAt < 10_000, 'full service within 10 s of the promotion');
  // Never applied more than sent (no INCR twice). Fewer than acknowledged is Redis's own
  // asynchronous replication: the killed master acknowledged INCRs its replica had not received
  // (seen: 2 applied of 6 acknowledged; 205 of 1,500 lost once, 13.7%, on a quiet machine: the
  // replica's lag when the SIGKILL came); bounded loosely here, not forbidden: it is the server's
  // behaviour, not the client's. The client's own property is the assertion above (never more
  // applied than sent).
  let lost = 0;
  let ackedTotal = 0;
  for (const key of keys) {
    const value = Number(await client.get(key));
    const ok = acked.get(key) ?? 0;
    ackedTotal += ok;
    lost += Math.max(0, ok - value);
    assert.ok(value <= ok + (unknown.get(key) ?? 0), `${key}: ${value} applied, ${ok} acknowledged, ${unknown.get(key) ?? 0} unknown`);
  }
  assert.ok(lost <= Math.max(50, ackedTotal * 0.25), `${lost} acknowledged INCRs lost of ${ackedTotal}`);
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  console.log(`# failover: ${[...acked.values()].reduce((a, b) => a + b, 0)} acked, ${failed} failed ${JSON.stringify(Object.fromEntries(errors))}, error window ${lastFailureAt ? ((lastFailureAt - killedAt) / 1000).toFixed(2) : 0} s, promotion after ${((promotedAt - killedAt) / 1000).toFixed(2)} s, ${refreshes} refreshes`);
  // The dead master's pool is closed once the map no longer lists it.
  await waitFor(() => !Object.keys(client!.stats().nodes).includes(victim.address), { timeoutMs: 10_000, message: 'the dead node closed' });
});
