/**
 * R6 (issue 12): leanredis/sentinel under a steady writer while the master fails, on a real
 * topology (master + 2 replicas + 3 sentinels). Run by `npm run test:failover`, not `npm test`.
 *
 * What is asserted, precisely. Each writer loop sends `RPUSH log <loop>:<n>` one at a time, so
 * its writes are ordered in time. At the end the list is read from the new master.
 *   1. Every write either resolved or rejected with a typed leanredis error whose code says
 *      whether it may have run (ERR_CONNECTION_LOST_AFTER_WRITE / ERR_COMMAND_TIMEOUT).
 *   2. No write is in the list twice: a write that may have run is never re-sent.
 *   3. Nothing is in the list that was not sent, and a failed write is there only if its error
 *      said it may have run.
 *   4. Writes acknowledged and then lost are allowed only where Redis's asynchronous replication
 *      allows it: acknowledged by the old master before it stopped being the master (before the
 *      kill; for SENTINEL FAILOVER, before the client learnt of the switch). Every write
 *      acknowledged after that is in the list.
 *   5. Each loop's writes are in the list in the order they were sent.
 *   6. Writes reach the new master within 5 s of the client learning of the switch (R6), and
 *      the old master, restarted, gets no connection of this client while it is (or until it
 *      is told it is) a replica.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createSentinel, type SentinelClient, type SwitchInfo } from '../../src/sentinel/index.ts';
import { LeanRedisError } from '../../src/index.ts';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-sentinel.ts';
import { waitFor } from '../helpers/wait.ts';

let t: SentinelTopology;
before(async () => {
  t = await startSentinelTopology({ downAfterMs: 1000 });
});
after(async () => {
  await t?.stop();
});

interface Write {
  value: string;
  loop: number;
  n: number;
  sentAt: number;
  doneAt: number;
  ok: boolean;
  code: string | undefined;
}

const LOOPS = 4;
const PACE_MS = 4; // ~250 writes/s per loop: steady, and light on a shared machine

/** Runs LOOPS sequential writers until stop() is called; resolves with every write's outcome. */
function steadyWriter(c: SentinelClient, key: string): { writes: Write[]; stop: () => Promise<void> } {
  const writes: Write[] = [];
  let stopping = false;
  const loops = Array.from({ length: LOOPS }, async (_, loop) => {
    for (let n = 0; !stopping; n++) {
      const w: Write = { value: `${loop}:${n}`, loop, n, sentAt: performance.now(), doneAt: 0, ok: false, code: undefined };
      writes.push(w);
      try {
        await c.rPush(key, w.value);
        w.ok = true;
      } catch (err) {
        w.code = err instanceof LeanRedisError ? err.code : `untyped: ${String(err)}`;
      }
      w.doneAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  });
  return {
    writes,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/** Checks 1-5 on the final list; returns figures for the report. */
function checkWrites(writes: Write[], list: string[], lostBefore: number): { acked: number; failed: number; lost: number; inDoubtPresent: number } {
  const sent = new Map(writes.map((w) => [w.value, w]));
  const failed = writes.filter((w) => !w.ok);
  for (const w of failed) assert.ok(w.code === 'ERR_CONNECTION_LOST_AFTER_WRITE' || w.code === 'ERR_COMMAND_TIMEOUT', `write ${w.value} failed with ${w.code}`);
  const seen = new Set<string>();
  let inDoubtPresent = 0;
  for (const value of list) {
    assert.ok(!seen.has(value), `${value} is in the list twice: a write was sent twice`);
    seen.add(value);
    const w = sent.get(value);
    assert.ok(w !== undefined, `${value} is in the list but was never sent`);
    if (!w.ok) inDoubtPresent++;
  }
  const lost = writes.filter((w) => w.ok && !seen.has(w.value));
  for (const w of lost) assert.ok(w.doneAt < lostBefore, `${w.value} was acknowledged ${(w.doneAt - lostBefore).toFixed(0)} ms after the old master stopped being master, and lost`);
  for (let loop = 0; loop < LOOPS; loop++) {
    const order = list.filter((v) => v.startsWith(`${loop}:`)).map((v) => Number(v.split(':')[1]));
    assert.deepEqual(order, order.slice().sort((a, b) => a - b), `loop ${loop}'s writes are in the order sent`);
  }
  return { acked: writes.length - failed.length, failed: failed.length, lost: lost.length, inDoubtPresent };
}

/** Restarts the old master and checks, until the sentinels have made it a replica, that this client never connects to it. */
async function oldMasterGetsNoConnection(oldPort: number, clientName: string): Promise<void> {
  await t.server(oldPort).restart();
  const probe = t.clientOf(oldPort);
  const ours = async (): Promise<string[]> => String(await probe.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(` name=${clientName} `));
  await waitFor(
    async () => {
      assert.deepEqual(await ours(), [], 'no connection of the sentinel client on the restarted old master');
      return String(((await probe.call('ROLE')) as unknown[])[0]) === 'slave';
    },
    { timeoutMs: 30_000, intervalMs: 50, message: 'the sentinels to turn the restarted old master into a replica' },
  );
  assert.deepEqual(await ours(), []);
}

async function run(tc: TestContext, how: 'kill' | 'failover'): Promise<void> {
  const clientName = `steady-${how}`;
  const key = `log:${how}`;
  const c = createSentinel({ sentinels: t.sentinelAddresses, masterName: t.masterName, clientName, commandTimeoutMs: 20_000 });
  const switches: { at: number; info: SwitchInfo }[] = [];
  c.on('switch', (info) => switches.push({ at: performance.now(), info }));
  try {
    await c.del(key);
    const oldPort = c.master!.port;
    const writer = steadyWriter(c, key);
    await waitFor(() => writer.writes.filter((w) => w.ok).length >= 200, { timeoutMs: 20_000, message: '200 writes before the failure' });
    const failedAt = performance.now();
    let newPort: number;
    if (how === 'kill') {
      await t.server(oldPort).kill();
      newPort = await t.waitForNewMaster(oldPort);
    } else newPort = await t.failover();
    await waitFor(() => switches.length > 0, { timeoutMs: 20_000, message: 'the client to learn of the switch' });
    const switchedAt = switches[0].at;
    // Every loop gets 50 writes acknowledged after the switch.
    await waitFor(() => Array.from({ length: LOOPS }, (_, l) => writer.writes.filter((w) => w.loop === l && w.ok && w.sentAt > switchedAt).length >= 50).every(Boolean), {
      timeoutMs: 30_000,
      message: 'writes to flow again after the switch',
    });
    await writer.stop();
    assert.equal(c.master!.port, newPort);
    assert.equal(switches.length, 1, `one switch: ${JSON.stringify(switches.map((s) => s.info))}`);
    const list = (await t.clientOf(newPort).lRange(key, 0, -1)) as string[];
    // The killed master acknowledged nothing after it died; a demoted one may have until the client moved.
    const figures = checkWrites(writer.writes, list, how === 'kill' ? failedAt : switchedAt);
    const firstAfter = Math.min(...writer.writes.filter((w) => w.ok && w.doneAt > switchedAt).map((w) => w.doneAt));
    const report = {
      how,
      writes: writer.writes.length,
      ...figures,
      switchAfterFailureMs: Math.round(switchedAt - failedAt),
      firstWriteAfterSwitchMs: Math.round(firstAfter - switchedAt),
      reason: switches[0].info.reason,
      discoveries: c.stats().sentinel.discoveries,
      refusedReplicas: c.stats().sentinel.refusedReplicas,
    };
    tc.diagnostic(JSON.stringify(report));
    assert.ok(firstAfter - switchedAt <= 5000, `writes reached the new master ${report.firstWriteAfterSwitchMs} ms after the switch (R6: within 5 s)`);
    if (how === 'kill') await oldMasterGetsNoConnection(oldPort, clientName);
  } finally {
    c.destroy();
  }
}

test('master killed (SIGKILL) under a steady writer: traffic moves to the promoted replica; no write sent twice, none lost after the kill', async (tc) => {
  await run(tc, 'kill');
});

test('SENTINEL FAILOVER under a steady writer: traffic moves; only writes the old master acknowledged before the switch may be lost', async (tc) => {
  await run(tc, 'failover');
});

test("readFrom 'replica' through a failover: the promoted replica is left, reads go on from a replica, every failure typed", async (tc) => {
  const c = createSentinel({ sentinels: t.sentinelAddresses, masterName: t.masterName, readFrom: 'replica', commandTimeoutMs: 20_000 });
  try {
    await c.set('rr:k', '1');
    await waitFor(async () => (await c.get('rr:k')) === '1', { timeoutMs: 10_000, message: 'the key on the replica read from' });
    const outcomes: { ok: boolean; code?: string; at: number }[] = [];
    let stopping = false;
    const reader = (async () => {
      while (!stopping) {
        try {
          await c.get('rr:k');
          outcomes.push({ ok: true, at: performance.now() });
        } catch (err) {
          outcomes.push({ ok: false, code: err instanceof LeanRedisError ? err.code : `untyped: ${String(err)}`, at: performance.now() });
        }
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    })();
    const newPort = await t.failover();
    await waitFor(() => c.stats().sentinel.switches > 0, { timeoutMs: 20_000, message: 'the client to learn of the switch' });
    const switchedAt = performance.now();
    await waitFor(() => outcomes.filter((o) => o.ok && o.at > switchedAt).length >= 50 && c.stats().sentinel.replica !== undefined, { timeoutMs: 20_000, message: '50 reads after the switch' });
    stopping = true;
    await reader;
    const replica = c.stats().sentinel.replica!;
    assert.notEqual(replica, `127.0.0.1:${newPort}`, 'not reading from the promoted replica');
    assert.equal(String(((await t.clientOf(Number(replica.split(':')[1])).call('ROLE')) as unknown[])[0]), 'slave');
    const failed = outcomes.filter((o) => !o.ok);
    for (const f of failed) assert.ok(f.code?.startsWith('ERR_'), `a read failed with ${f.code}`);
    tc.diagnostic(JSON.stringify({ reads: outcomes.length, failed: failed.length, codes: [...new Set(failed.map((f) => f.code))], replica, refusedMasters: c.stats().sentinel.refusedMasters }));
  } finally {
    c.destroy();
  }
});
