/**
 * Issue 9, item 7, the fast subset: the leak soak's whole mix (GET/SET, pipelines, leases,
 * WATCH, pub/sub, blocking reads, 1 ms deadlines, transient subscriptions) for 30 s per RESP
 * version, with CLIENT KILL every 1 s in the warm-up and every 4 s after it: every error typed,
 * the kills and reconnects happen at the two rates asked for, the samples land in the series.
 * `npm run test:soak -- l7` runs the figure (65 minutes per version; the slope bound
 * needs that long, docs/RELIABILITY.md). Also: `--refit` reads the samples back from a log, both
 * the finished run's series line and a running one's sample lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachProtocol, useRedisServer } from '../helpers/setup.ts';
import { leakBounds, runLeak, samplesFromLog } from '../soak/leak.ts';
import { assertBounds } from '../soak/soak-kit.ts';

const redis = useRedisServer({ enableDebug: true });

forEachProtocol((protocol) => {
  test('the soak mix under kills (1 s apart in the warm-up, 4 s after): every error typed, kills at both rates, every connection back', async (t) => {
    const r = await runLeak({ port: redis.port, protocol, minutes: 0.5, warmupMinutes: 0.25, rate: 200, sampleMs: 3000, killEveryMs: 4000, warmupKillEveryMs: 1000 });
    t.diagnostic(JSON.stringify({ ...r, series: r.series.length, finalStats: undefined }));
    // The slope and RSS bounds need tens of minutes; here only the untyped-error bound applies.
    assertBounds(leakBounds(r).filter((b) => b.name.startsWith('untyped')), r);
    // 15 s of warm-up at one kill a second, then 15 s at one per 4 s: ~14 + ~3 (a loaded machine stretches each round).
    assert.ok(r.kills >= 8 && r.kills <= 24, `kills: ${r.kills} (all at 1 s would be ~29, all at 4 s ~7)`);
    assert.ok(r.reconnects >= r.kills, `every kill cuts the pooled connections: ${r.reconnects} reconnects for ${r.kills} kills`);
    assert.ok(r.pubsubReconnects >= 1, `the subscriber connection came back: ${r.pubsubReconnects}`);
    assert.ok((r.outcomes.ok ?? 0) > r.operations / 2, `most operations succeed: ${JSON.stringify(r.outcomes)}`);
    assert.ok(r.series.length >= 10, `a sample every 3 s: ${r.series.length}`);
    assert.equal(r.fit.samples, r.series.filter((s) => s.t >= 15).length);
  });
});

test('--refit reads the samples of a finished run (its series line) and of a running one (its sample lines)', () => {
  const finished = '  [RESP3] series (t s, post-GC heap KB, code space KB, RSS MB): 0,100.5,10,50.25 10,101,10.5,50.5 20,102.25,11,51\n';
  assert.deepEqual(samplesFromLog(finished), [
    { t: 0, heapKB: 100.5, codeKB: 10, rssMB: 50.25 },
    { t: 10, heapKB: 101, codeKB: 10.5, rssMB: 50.5 },
    { t: 20, heapKB: 102.25, codeKB: 11, rssMB: 51 },
  ]);
  const running = [
    '  [RESP2] t=0 s heap 12000.5 KB code 1200.0 KB rss 110.2 MB old 10000.0 KB large 256.0 KB ops 0 {}',
    '  [RESP2] t=10 s no full collection since the last sample (rss 111.0 MB, ops 2000)',
    '  [RESP2] t=20 s heap 12010.0 KB code 1201.5 KB rss 111.5 MB old 10010.0 KB large 256.0 KB ops 4000 {"ok":3990}',
  ].join('\n');
  assert.deepEqual(samplesFromLog(running), [
    { t: 0, heapKB: 12000.5, codeKB: 1200, rssMB: 110.2 },
    { t: 20, heapKB: 12010, codeKB: 1201.5, rssMB: 111.5 },
  ]);
});
