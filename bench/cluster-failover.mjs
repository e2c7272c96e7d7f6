#!/usr/bin/env node
/**
 * Issue 12's R5 beside the rivals: for each client (leanredis/cluster, ioredis Cluster,
 * node-redis createCluster) a fresh 3-master / 3-replica cluster of redis-server processes on
 * free loopback ports (cluster-node-timeout 2 s), 2,000 commands/s open loop (half GET, half
 * INCR, keys over every slot), one master SIGKILLed. Reported per client: commands ok and failed
 * (a command unanswered after 5 s counts as failed: some clients have no deadline of their
 * own), the error window (first to last failure), when the replica was promoted, and the last
 * failure after the promotion.
 *
 *   node bench/cluster-failover.mjs [--json]
 */
import { openClusterClient, startCluster, until } from './lib/cluster.mjs';

const NODE_TIMEOUT_MS = 2000;
const RATE = 2000;
const DEADLINE_MS = 5000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(name) {
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS, name: 'failover' });
  try {
    const client = await openClusterClient(name, cluster.ports, { ignoreErrors: true });
    const keys = Array.from({ length: 1000 }, (_, i) => `r5:${i}`);
    const failures = [];
    let ok = 0;
    let n = 0;
    /** @type {Set<Promise<void>>} */
    const pending = new Set();
    const fire = () => {
      const key = keys[n % keys.length];
      const op = n++ % 2 === 0 ? client.incr(key) : client.get(key);
      let timer;
      const p = Promise.race([op, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in 5 s')), DEADLINE_MS)))]).then(
        () => {
          clearTimeout(timer);
          ok++;
        },
        () => {
          clearTimeout(timer);
          failures.push(performance.now());
        },
      );
      pending.add(p);
      void p.then(() => pending.delete(p));
    };
    const timer = setInterval(() => {
      for (let i = 0; i < RATE / 100; i++) fire();
    }, 10);
    await sleep(2000);
    const [victim] = await cluster.masters();
    const killedAt = performance.now();
    cluster.kill(victim);
    await until(async () => !(await cluster.masters()).includes(victim) && (await cluster.masters()).length === 3, 60_000, 'promotion');
    const promotedAt = performance.now();
    // Until 3 s pass without a failure, or 20 s after the promotion.
    await until(async () => performance.now() - Math.max(promotedAt, failures.at(-1) ?? 0) > 3000 || performance.now() - promotedAt > 20_000, 40_000, 'quiet');
    clearInterval(timer);
    await Promise.all(pending);
    await client.destroy();
    const first = failures[0];
    const last = failures.at(-1);
    return {
      name,
      ok,
      failed: failures.length,
      promotionS: +((promotedAt - killedAt) / 1000).toFixed(2),
      errorWindowS: last === undefined ? 0 : +((last - first) / 1000).toFixed(2),
      lastFailureAfterPromotionS: last === undefined ? 0 : +((last - promotedAt) / 1000).toFixed(2),
    };
  } finally {
    cluster.stop();
  }
}

const results = [];
for (const name of ['leanredis', 'ioredis', 'node-redis']) {
  try {
    results.push(await measure(name));
  } catch (err) {
    results.push({ name, error: String(err).slice(0, 200) });
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ nodeTimeoutMs: NODE_TIMEOUT_MS, rate: RATE, node: process.version, results }, null, 2));
else {
  console.log(`R5: SIGKILL of a master under ${RATE} commands/s, cluster-node-timeout ${NODE_TIMEOUT_MS} ms, 3+3 nodes (${process.version})`);
  console.log(`${'client'.padEnd(12)}${'ok'.padStart(8)}${'failed'.padStart(8)}${'promotion'.padStart(11)}${'error window'.padStart(14)}${'last failure after promotion'.padStart(30)}`);
  for (const r of results) {
    if ('error' in r) console.log(`${r.name.padEnd(12)} failed: ${r.error}`);
    else console.log(`${r.name.padEnd(12)}${String(r.ok).padStart(8)}${String(r.failed).padStart(8)}${`${r.promotionS} s`.padStart(11)}${`${r.errorWindowS} s`.padStart(14)}${`${r.lastFailureAfterPromotionS} s`.padStart(30)}`);
  }
}
process.exit(0);
