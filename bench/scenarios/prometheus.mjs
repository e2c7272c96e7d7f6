/**
 * Rendering ~10,000 Prometheus series: leanredis/diagnostics' prometheusText (command recorder +
 * 20 clients' pool figures) against prom-client 15's registry holding the same families, labels
 * and observations. No server traffic: the figures are recorded directly, then the text is
 * rendered repeatedly and the median render time kept (issue 14 goal: < 20 ms).
 */
const COMMANDS = 450;
const CLIENTS_N = 20;
const BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Deterministic durations (ms) spread over the buckets. */
const duration = (i) => [0.05, 0.12, 0.3, 0.8, 2, 7, 40][i % 7];

function medianOf(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function countSeries(text) {
  let n = 0;
  for (const line of text.split('\n')) if (line !== '' && !line.startsWith('#')) n++;
  return n;
}

async function leanredisRenderer() {
  const { createClient } = await import('leanredis');
  const { createCommandMetrics, prometheusText } = await import('leanredis/diagnostics');
  const metrics = createCommandMetrics({ bucketsMs: BUCKETS_MS });
  metrics.stop();
  const err = Object.assign(new Error('x'), { code: 'WRONGTYPE' });
  for (let c = 0; c < COMMANDS; c++) for (let i = 0; i < 20; i++) metrics.record(`CMD${c}`, duration(i + c), i === 0 ? err : undefined);
  /** @type {Record<string, import("leanredis").Client>} */
  const clients = {};
  for (let i = 0; i < CLIENTS_N; i++) clients[`client${i}`] = createClient({ port: 1 });
  return { render: () => prometheusText(clients, { commands: metrics }), close: () => Promise.all(Object.values(clients).map((c) => c.close())) };
}

async function promClientRenderer() {
  const { Registry, Counter, Gauge, Histogram } = await import('prom-client');
  const registry = new Registry();
  const commands = new Counter({ name: 'leanredis_commands_total', help: 'Commands', labelNames: ['command'], registers: [registry] });
  const errors = new Counter({ name: 'leanredis_command_errors_total', help: 'Errors', labelNames: ['command', 'code'], registers: [registry] });
  const hist = new Histogram({ name: 'leanredis_command_duration_seconds', help: 'Duration', labelNames: ['command'], buckets: BUCKETS_MS.map((ms) => ms / 1000), registers: [registry] });
  for (let c = 0; c < COMMANDS; c++) {
    for (let i = 0; i < 20; i++) {
      commands.inc({ command: `CMD${c}` });
      hist.observe({ command: `CMD${c}` }, duration(i + c) / 1000);
      if (i === 0) errors.inc({ command: `CMD${c}`, code: 'WRONGTYPE' });
    }
  }
  // The per-client families prometheusText writes (same count: 5 connection states + 26 other series).
  const state = new Gauge({ name: 'leanredis_pool_connections', help: 'Connections', labelNames: ['client', 'address', 'state'], registers: [registry] });
  const singles = Array.from({ length: 26 }, (_, k) => new Gauge({ name: `leanredis_client_figure_${k}`, help: 'A figure', labelNames: ['client', 'address'], registers: [registry] }));
  for (let i = 0; i < CLIENTS_N; i++) {
    const labels = { client: `client${i}`, address: '127.0.0.1:1' };
    for (const s of ['idle', 'leased', 'shared', 'dialling', 'closing']) state.set({ ...labels, state: s }, i);
    for (const g of singles) g.set(labels, i);
  }
  return { render: () => registry.metrics(), close: async () => {} };
}

export default {
  id: 'prometheus',
  title: 'Prometheus exposition: rendering ~10,000 series',
  method: `${COMMANDS} command names with 20 recorded outcomes each (a count, one error code, a 16-bucket latency histogram: ${COMMANDS} × 21 series) and ${CLIENTS_N} clients' pool figures, rendered as Prometheus text 0.0.4. leanredis: createCommandMetrics().record() then prometheusText(clients, { commands }); prom-client 15: a Registry with the same families, labels and observations, then registry.metrics(). 20 warm-up renders, then the median of 60 (20 in --quick).`,
  clients: ['leanredis'],
  extras: [{ id: 'prom-client', label: 'prom-client 15 (same series)', child: true }],
  params: ({ quick }) => ({ renders: quick ? 20 : 60 }),
  async run({ client, params }) {
    const r = client.id === 'prom-client' ? await promClientRenderer() : await leanredisRenderer();
    let text = '';
    for (let i = 0; i < 20; i++) text = await r.render();
    const times = [];
    for (let i = 0; i < params.renders; i++) {
      const t0 = performance.now();
      text = await r.render();
      times.push(performance.now() - t0);
    }
    await r.close();
    return { renderMs: medianOf(times), series: countSeries(text), kib: Buffer.byteLength(text) / 1024 };
  },
  metrics: [
    { key: 'renderMs', label: 'render (median)', unit: 'ms', better: 'lower', digits: 2 },
    { key: 'series', label: 'series', unit: '', better: 'higher', digits: 0 },
    { key: 'kib', label: 'text', unit: 'KiB', better: 'lower', digits: 0 },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis?.renderMs;
      return { text: 'rendering 10,000 series < 20 ms', met: v < 20 && doc.medians.leanredis?.series >= 10_000, detail: `${v?.toFixed(2)} ms for ${doc.medians.leanredis?.series} series` };
    },
  ],
};
