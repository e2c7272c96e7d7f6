/**
 * The frozen-server scenarios (issue 9): a server that is alive but does not answer, while a
 * service keeps issuing GETs open-loop at a fixed rate with the client's default options. What
 * does the client hold meanwhile, and does every command settle?
 *
 *   sleep   `DEBUG SLEEP <s>`: the server's event loop stops; the kernel keeps accepting bytes
 *   pause   `CLIENT PAUSE <ms> ALL`: the server reads nothing from clients
 *   stall   a proxy (its own process) stops reading the client's socket: the kernel send
 *           buffer fills, then the client's writes back up
 *
 * Per command the harness keeps its issue time, settle time and outcome in typed arrays
 * allocated before the baseline, so the bookkeeping adds nothing to the measured heap.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fullGc, heapUsed } from './measure.mjs';
import { rawCommand } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const PENDING = 0,
  OK = 1,
  OVERFLOW = 2, // rejected at once by a cap (leanredis ERR_QUEUE_FULL)
  TIMEOUT = 3,
  OTHER = 4;

function outcomeOf(err) {
  const code = err?.code;
  if (code === 'ERR_QUEUE_FULL') return OVERFLOW;
  if (code === 'ERR_COMMAND_TIMEOUT' || /timeout|timed out/i.test(String(err?.message))) return TIMEOUT;
  return OTHER;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts the stall proxy in a child process; resolves { port, send(cmd), stop() }. */
async function startStallProxy(targetPort) {
  const child = spawn(process.execPath, [join(here, 'stall-proxy.mjs'), String(targetPort)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiters = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const next = () => new Promise((resolve) => waiters.push(resolve));
  const port = Number((await next()).split(' ')[1]);
  return {
    port,
    async send(command) {
      const reply = next();
      child.stdin.write(`${command}\n`);
      await reply;
    },
    stop() {
      child.stdin.end();
      child.kill('SIGKILL');
    },
  };
}

const MODES = {
  sleep: 'the server runs `DEBUG SLEEP` (its event loop stops; the kernel keeps accepting bytes until its buffers fill)',
  pause: 'the server runs `CLIENT PAUSE <ms> ALL` (it reads nothing from clients)',
  stall: 'a proxy between client and server stops reading the client\'s socket (the kernel send buffer fills, then the client\'s writes back up)',
};

/** A scenario definition for one freeze mode. */
export function frozenScenario(mode) {
  return {
    id: `frozen-${mode}`,
    title: `Frozen server (${mode}): what the client holds while the server does not answer`,
    method:
      `Each client with default options, warmed up (20,000 GETs), then a full GC (baseline). For ${'`freezeMs`'} (5 s) ${MODES[mode]}, while GETs are issued open-loop at 20,000/s (a 1 ms timer issues what is due) for the freeze plus 1 s; then issuing stops and the run waits up to 20 s for every command to settle. Every 250 ms: a full GC, then heapUsed and RSS. Figures: retained heap growth = highest post-GC heapUsed minus the baseline; RSS growth = highest RSS minus the baseline; outstanding = the most commands issued and not yet settled; hung = commands still pending at the end; overflow = commands rejected at once by a cap (leanredis ERR_QUEUE_FULL), with the p99 from call to rejection.`,
    clients: ['leanredis', 'ioredis', 'redis'],
    flush: true,
    params: ({ quick }) => ({ mode, rate: 20_000, freezeMs: quick ? 3000 : 5000, tailMs: 1000, settleMs: 20_000, sampleEveryMs: 250, warmupOps: 20_000 }),
    async run({ client, server, params }) {
      return runFrozen(client, server, params);
    },
    metrics: [
      { key: 'heapGrowth', label: 'retained heap growth', unit: 'B', better: 'lower' },
      { key: 'rssGrowth', label: 'RSS growth', unit: 'B', better: 'lower' },
      { key: 'outstandingPeak', label: 'most commands outstanding', unit: '', better: 'lower' },
      { key: 'hung', label: 'hung at the end', unit: '', better: 'lower' },
      { key: 'overflow', label: 'rejected at once', unit: '', better: 'lower' },
      { key: 'overflowP99Ms', label: 'rejection p99', unit: 'ms', better: 'lower', digits: 3 },
      { key: 'ok', label: 'answered', unit: '', better: 'higher' },
      { key: 'issuedPerSec', label: 'issue rate achieved', unit: '/s', better: 'higher' },
    ],
    goals: [
      (doc) => {
        const m = doc.medians.leanredis;
        const met = m.heapGrowth <= 8 * 2 ** 20 && m.rssGrowth <= 16 * 2 ** 20 && m.hung === 0 && (m.overflow === 0 || m.overflowP99Ms < 1);
        return {
          text: 'leanredis: retained heap growth ≤ 8 MiB, RSS growth ≤ 16 MiB, 0 hung, overflow rejected in < 1 ms',
          met,
          detail: `heap +${(m.heapGrowth / 2 ** 20).toFixed(2)} MiB, RSS +${(m.rssGrowth / 2 ** 20).toFixed(2)} MiB, ${m.hung} hung, rejection p99 ${m.overflowP99Ms?.toFixed(3) ?? 'n/a'} ms`,
        };
      },
    ],
  };
}

async function runFrozen(client, server, params) {
  const proxy = params.mode === 'stall' ? await startStallProxy(server.port) : undefined;
  const target = proxy ? { host: server.host, port: proxy.port, url: `redis://${server.host}:${proxy.port}` } : server;
  try {
    const mod = await client.load();
    const c = await client.open(mod, target);
    // ioredis and node-redis report errors as events; an unhandled 'error' would end the run.
    c.raw.on?.('error', () => {});
    const keys = Array.from({ length: 1000 }, (_, i) => `bench:frozen:${i}`);
    for (let i = 0; i < params.warmupOps; i += 100) await Promise.all(keys.slice(0, 100).map((k) => c.get(k)));

    const capacity = Math.ceil((params.rate * (params.freezeMs + params.tailMs + 2000)) / 1000);
    const issuedAt = new Float64Array(capacity);
    const settledAt = new Float64Array(capacity);
    const outcome = new Uint8Array(capacity);
    let issued = 0;
    let settled = 0;
    let firstOther;
    const onSettle = (i, kind, err) => {
      settledAt[i] = performance.now();
      outcome[i] = kind;
      settled++;
      if (kind === OTHER && firstOther === undefined) firstOther = String(err?.message ?? err).slice(0, 200);
    };
    const issueOne = () => {
      const i = issued++;
      issuedAt[i] = performance.now();
      let p;
      try {
        p = c.get(keys[i % keys.length]);
      } catch (err) {
        onSettle(i, outcomeOf(err), err);
        return;
      }
      p.then(
        () => onSettle(i, OK),
        (err) => onSettle(i, outcomeOf(err), err),
      );
    };

    await fullGc();
    const base = process.memoryUsage();
    const baseHeap = heapUsed();
    let heapPeak = baseHeap;
    let rssPeak = base.rss;
    let outstandingPeak = 0;
    const sampler = setInterval(() => {
      /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
      heapPeak = Math.max(heapPeak, heapUsed());
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, params.sampleEveryMs);

    // Freeze the server (or the path to it).
    const seconds = params.freezeMs / 1000;
    let freezeDone;
    if (params.mode === 'sleep') freezeDone = rawCommand(server.host, server.port, `DEBUG SLEEP ${seconds}`, params.freezeMs + 5000);
    else if (params.mode === 'pause') await rawCommand(server.host, server.port, `CLIENT PAUSE ${params.freezeMs} ALL`);
    else {
      if (proxy === undefined) throw new Error(`mode ${params.mode} needs the stall proxy`);
      await proxy.send('stall');
      freezeDone = sleep(params.freezeMs).then(() => proxy.send('resume'));
    }
    const t0 = performance.now();
    const driveMs = params.freezeMs + params.tailMs;
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(capacity, Math.floor((Math.min(elapsed, driveMs) * params.rate) / 1000));
        while (issued < due) issueOne();
        outstandingPeak = Math.max(outstandingPeak, issued - settled);
        if (elapsed >= driveMs) {
          clearInterval(timer);
          resolve(undefined);
        }
      }, 1);
    });
    const driveEnd = performance.now();
    const settleDeadline = driveEnd + params.settleMs;
    while (settled < issued && performance.now() < settleDeadline) await sleep(20);
    clearInterval(sampler);
    await freezeDone?.catch(() => {});

    const overflowLatency = [];
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < issued; i++) {
      counts[outcome[i]]++;
      if (outcome[i] === OVERFLOW) overflowLatency.push(settledAt[i] - issuedAt[i]);
    }
    overflowLatency.sort((a, b) => a - b);
    const stats = typeof c.raw.stats === 'function' ? c.raw.stats() : undefined;
    const result = {
      heapGrowth: heapPeak - baseHeap,
      rssGrowth: rssPeak - base.rss,
      outstandingPeak,
      hung: counts[PENDING],
      overflow: counts[OVERFLOW],
      overflowP50Ms: percentile(overflowLatency, 50),
      overflowP99Ms: percentile(overflowLatency, 99),
      overflowMaxMs: overflowLatency[overflowLatency.length - 1],
      ok: counts[OK],
      timeouts: counts[TIMEOUT],
      other: counts[OTHER],
      firstOther,
      issued,
      issuedPerSec: (issued / (driveEnd - t0)) * 1000,
      settleMs: performance.now() - driveEnd,
      notes: stats ? { inFlightPeak: stats.inFlightPeak, inFlightBytesPeak: stats.inFlightBytesPeak, rejected: stats.rejected } : undefined,
    };
    if (counts[PENDING] === 0) await c.close();
    else if (typeof c.raw.disconnect === 'function') c.raw.disconnect();
    else c.raw.destroy?.();
    return result;
  } finally {
    proxy?.stop();
  }
}
