/**
 * Issue 9, item 4, the figure: a blocking read whose connection is silently black-holed (the
 * proxy stops forwarding both ways: no RST, no FIN) settles within its block time + 20%, p99
 * over 50 trials, with ERR_COMMAND_TIMEOUT, and its leased connection is discarded, never reused.
 *
 *   node --import tsx packages/leanredis/test/soak/blocking-blackhole.ts [--trials 50] [--block-ms 1000] [--protocol 2|3]
 *
 * Each trial: a client through a fresh proxy, one blocking read answered (dialling the lease
 * connection, now idle), the proxy black-holed, then BLPOP (odd trials: XREAD BLOCK) with the
 * block time; settle time = from the call to the rejection. The lease must be closed, not
 * parked idle, and the next blocking read (after healing) must dial a new connection.
 * `npm test` runs the same checks once per command (faults/blocking-blackhole.test.ts).
 */
import { CommandTimeoutError, createClient } from '../../src/index.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import { isMain, argValue, protocolsFromArgs, percentile, report, round, type Bound } from './soak-kit.ts';

export interface BlackholeResult {
  protocol: 2 | 3;
  trials: number;
  blockMs: number;
  /** Settle time over the block time, in per cent. */
  overshootPct: { p50: number; p99: number; max: number };
  settleMs: { p50: number; p99: number; max: number };
  /** Trials whose read rejected with ERR_COMMAND_TIMEOUT after being written. */
  typedTimeouts: number;
  /** Other outcomes (resolved, other errors): must be none. */
  unexpected: Record<string, number>;
  /** Trials whose black-holed connection was closed and whose next read dialled a new one. */
  discarded: number;
}

export async function runBlackhole(options: { trials: number; blockMs: number; protocol: 2 | 3; log?: (line: string) => void }): Promise<BlackholeResult> {
  const { trials, blockMs, protocol } = options;
  const redis = await startRedisServer();
  const settle: number[] = [];
  const unexpected: Record<string, number> = {};
  let typedTimeouts = 0;
  let discarded = 0;
  try {
    for (let i = 0; i < trials; i++) {
      const proxy = await startTcpProxy({ targetPort: redis.port });
      const client = createClient({ url: proxy.url, protocol });
      try {
        await client.set(`warm:s:${i}`, '1'); // the shared connection, for the rPush after
        await client.blPop(`warm:${i}`, 0.01);
        await waitFor(() => client.stats().idleConns === 1, { message: 'the lease connection is idle' });
        const created = client.stats().created;
        proxy.blackhole('both');
        const useXread = i % 2 === 1;
        const t0 = performance.now();
        const outcome = await (useXread ? client.xRead({ [`s:${i}`]: '$' }, { blockMs }) : client.blPop(`hole:${i}`, blockMs / 1000)).then(
          () => 'resolved',
          (err: unknown) => (err instanceof CommandTimeoutError && err.wasWritten ? 'timeout' : String((err as { code?: string }).code ?? err)),
        );
        settle.push(performance.now() - t0);
        if (outcome === 'timeout') typedTimeouts++;
        else unexpected[outcome] = (unexpected[outcome] ?? 0) + 1;
        await waitFor(() => client.stats().idleConns === 0 && client.stats().leased === 0 && client.stats().closing === 0, { message: 'the lease is discarded' });
        proxy.heal();
        await client.rPush(`after:${i}`, 'v');
        const reused = client.stats().created;
        const r = await client.blPop(`after:${i}`, 1);
        if (r !== null && client.stats().created === reused + 1 && reused === created) discarded++;
        await client.del(`after:${i}`);
      } finally {
        client.destroy();
        await proxy.close();
      }
      if ((i + 1) % 10 === 0) options.log?.(`${i + 1}/${trials} trials, p99 so far ${round(percentile(settle, 99), 1)} ms`);
    }
  } finally {
    await redis.stop();
  }
  const pct = settle.map((ms) => ((ms - blockMs) / blockMs) * 100);
  return {
    protocol,
    trials,
    blockMs,
    overshootPct: { p50: round(percentile(pct, 50), 1), p99: round(percentile(pct, 99), 1), max: round(Math.max(...pct), 1) },
    settleMs: { p50: round(percentile(settle, 50), 1), p99: round(percentile(settle, 99), 1), max: round(Math.max(...settle), 1) },
    typedTimeouts,
    unexpected,
    discarded,
  };
}

export function blackholeBounds(r: BlackholeResult): Bound[] {
  return [
    { name: 'settle p99 over the block time', value: `${r.overshootPct.p99}% (${r.settleMs.p99} ms)`, limit: '<= 20%', ok: r.overshootPct.p99 <= 20 },
    { name: 'typed ERR_COMMAND_TIMEOUT (written)', value: r.typedTimeouts, limit: `= ${r.trials}`, ok: r.typedTimeouts === r.trials },
    { name: 'leases discarded, next read on a new connection', value: r.discarded, limit: `= ${r.trials}`, ok: r.discarded === r.trials },
  ];
}

if (isMain(import.meta.url)) {
  const trials = argValue('trials', 50);
  const blockMs = argValue('block-ms', 1000);
  for (const protocol of protocolsFromArgs()) {
    const r = await runBlackhole({ trials, blockMs, protocol, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
    report(`B4 RESP${protocol}: ${trials} blocking reads (BLPOP, XREAD BLOCK) of ${blockMs} ms across a black-holed connection`, r, blackholeBounds(r));
  }
}
