/**
 * The bench's HTML report: self-contained (nothing fetched), carrying the same result object as
 * --json, and, opened in headless Chromium (Debian's chromium through playwright-core), every
 * chart has drawn its data points. Skipped, with the reason printed, where Chromium or
 * playwright-core is missing. LEANREDIS_UPDATE_SCREENSHOT=1 also writes docs/bench-report.png.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT } from '../../src/exit-codes.ts';
import type { BenchResult } from '../../src/bench/bench-result.ts';
import { CLI_DIR, runCli } from '../helpers/cli.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Runs in the page (a string: the test's TypeScript has no DOM types): what each chart drew. */
const DRAWN = `[...document.querySelectorAll('svg.chart')].map((svg) => {
  const box = svg.getBoundingClientRect();
  return {
    title: svg.querySelector('text.title')?.textContent ?? '',
    width: box.width,
    series: [...svg.querySelectorAll('g.series')].map((g) => {
      const line = g.querySelector('polyline');
      // A point counts when it has a size and lies inside the chart.
      const drawn = [...g.querySelectorAll('circle.point')].filter((c) => {
        const r = c.getBoundingClientRect();
        return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      }).length;
      return { name: g.getAttribute('data-series'), declared: Number(g.getAttribute('data-points')), drawn, lineLength: line === null ? 0 : line.getTotalLength() };
    }),
  };
})`;
let dir: string;
let html: string;
let json: BenchResult;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-html-'));
  html = join(dir, 'report.html');
  const run = await runCli(['bench', '--clients', 'ioredis,leanredis', '--ramp', '4..16', '--steps', '2', '--duration', '4s', '--warmup', '0s', '--keys', '100', '--json', '--html', html], { nice: true, timeoutMs: 180_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  json = JSON.parse(run.stdout) as BenchResult;
});
after(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('the report fetches nothing and embeds the same result object as --json', () => {
  const page = readFileSync(html, 'utf8');
  // The SVG namespace is a name, not a fetch; anything else with a scheme would be.
  const external = page.replaceAll('xmlns="http://www.w3.org/2000/svg"', '').match(/(?:src|href)\s*=\s*["']?\s*(?:https?:|\/\/)|@import|url\(\s*["']?https?:/gi);
  assert.equal(external, null, 'no external resource');
  assert.equal((page.match(/<svg class="chart"/g) ?? []).length, 7);
  const embedded = /<script type="application\/json" id="bench-result">([\s\S]*?)<\/script>/.exec(page);
  assert.ok(embedded);
  assert.deepEqual(JSON.parse(embedded[1]), json);
  assert.match(page, /Before \/ after/);
  assert.match(page, /ioredis → leanredis/);
});

test('headless Chromium draws every chart with its data points', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return;
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    t.skip(`playwright-core is not installed (${err instanceof Error ? err.message : String(err)})`);
    return;
  }
  // Root in a container has no user namespace for Chromium's sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 120_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(html).href);
    const charts = (await page.evaluate(DRAWN)) as Array<{ title: string; width: number; series: Array<{ name: string; declared: number; drawn: number; lineLength: number }> }>;
    assert.equal(charts.length, 7);
    for (const chart of charts) {
      assert.ok(chart.width > 100, `${chart.title} has a size`);
      assert.ok(chart.series.length >= 2, `${chart.title}: a series per run`);
      for (const s of chart.series) {
        assert.ok(s.declared >= 2, `${chart.title} / ${s.name}: ${s.declared} points`);
        assert.equal(s.drawn, s.declared, `${chart.title} / ${s.name}: every point drawn inside the chart`);
        assert.ok(s.lineLength > 0, `${chart.title} / ${s.name}: a line`);
      }
    }
    const shot = join(dir, 'bench-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    if (process.env.LEANREDIS_UPDATE_SCREENSHOT === '1') copyFileSync(shot, join(CLI_DIR, '..', '..', 'docs', 'bench-report.png'));
  } finally {
    await browser.close();
  }
});

test('bench compare: two saved results give the before/after table; --fail-on-regression exits 5 on a significant loss', async () => {
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const { writeFileSync } = await import('node:fs');
  // Each second five times over: enough observations for a verdict whatever the ramp's spread.
  const run = json.runs[1];
  const one = { ...json, runs: [{ ...run, seconds: [0, 1, 2, 3, 4].flatMap(() => run.seconds) }], comparisons: [] };
  writeFileSync(a, JSON.stringify(one));
  // The same run at half the throughput every second.
  const slower = { ...one, runs: one.runs.map((r) => ({ ...r, seconds: r.seconds.map((s) => ({ ...s, opsPerSec: Math.round(s.opsPerSec / 2) })), totals: { ...r.totals, opsPerSec: Math.round(r.totals.opsPerSec / 2) } })) };
  writeFileSync(b, JSON.stringify(slower));
  const same = await runCli(['bench', 'compare', a, a, '--fail-on-regression']);
  assert.equal(same.code, EXIT.ok, same.stderr);
  assert.match(same.stdout, /before: before: leanredis|before: leanredis/);
  assert.match(same.stdout, /throughput .* no significant change/);
  const worse = await runCli(['bench', 'compare', a, b, '--fail-on-regression', '--json', '--html', join(dir, 'compare.html')]);
  assert.equal(worse.code, EXIT.checkFailed, worse.stderr);
  const r = JSON.parse(worse.stdout) as BenchResult;
  assert.equal(r.kind, 'bench-compare');
  assert.deepEqual(r.inputs, [a, b]);
  const throughput = r.comparisons[0].metrics.find((m) => m.metric === 'throughput')!;
  assert.equal(throughput.verdict, 'worse');
  assert.ok(Math.abs(throughput.change! + 0.5) < 0.01, String(throughput.change));
  const compared = readFileSync(join(dir, 'compare.html'), 'utf8');
  assert.match(compared, /<tr class="worse"><td>throughput/);
  assert.ok(compared.includes(`compared: ${a} (before) → ${b} (after)`));
  const notBench = await runCli(['bench', 'compare', a, join(CLI_DIR, 'package.json')]);
  assert.equal(notBench.code, EXIT.unavailable);
  const oneFile = await runCli(['bench', 'compare', a]);
  assert.equal(oneFile.code, EXIT.usage);
});
