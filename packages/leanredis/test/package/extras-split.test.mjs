/**
 * What belongs in dist/extras.js stays there: the modules src/extras.ts exports (the command
 * table, the decoder, the pub/sub manager, the stream consumer) are loaded on first use through
 * the *-loader.ts seams, never by `import 'leanredis'`. Checked on the built files (the sources
 * each output was bundled from, read from its source map) and on what a fresh process loads;
 * and a build without the seams (LEANREDIS_STATIC_LOADERS=1) must fail the same check, so the
 * check cannot pass by accident. Also: every source map carries the text of its sources, and
 * the bundle keeps short lines (a stack trace or an uncaught error prints one of them).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PACKAGE_DIR, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');

before(async () => {
  await ensureBuilt();
});

/** Absolute paths of the sources a built file was bundled from (its source map). */
function sourcesOf(file) {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  return map.sources.map((s) => resolve(dirname(file), map.sourceRoot ?? '', s));
}

/** The files a built entry loads statically: itself and the chunks it imports, transitively. */
function staticClosure(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Minified ESM: `import{...}from"./chunk-X.js"` and `import"./x.js"` (no dynamic imports are used).
    for (const m of text.matchAll(/\bimport\s*(?:[^'"()]*?\bfrom\s*)?["'](\.\/[^"']+)["']/g)) visit(resolve(dirname(file), m[1]));
  };
  visit(entry);
  return [...seen];
}

/** Sources bundled into `extras.js` itself (not into a chunk it shares with index.js). */
function extrasOwnSources(dist) {
  return new Set(sourcesOf(join(dist, 'extras.js')));
}

/** The modules src/extras.ts re-exports: what the loaders reach for. */
const EXTRAS_MODULES = [...readFileSync(join(PACKAGE_DIR, 'src', 'extras.ts'), 'utf8').matchAll(/^export \{ \w+ \} from '([^']+)\.js';$/gm)].map((m) => join(PACKAGE_DIR, 'src', `${m[1]}.ts`));

/** Extras sources (the modules extras.ts re-exports, and whatever extras.js holds itself) that index.js or a chunk it imports also holds. */
function overlap(dist) {
  const own = new Set([...extrasOwnSources(dist), ...EXTRAS_MODULES]);
  const found = [];
  for (const file of staticClosure(join(dist, 'index.js'))) for (const source of sourcesOf(file)) if (own.has(source)) found.push(`${source} (in ${file.slice(dist.length + 1)})`);
  return found;
}

test('dist/extras.js holds the modules src/extras.ts exports', () => {
  const own = [...extrasOwnSources(DIST)];
  assert.ok(EXTRAS_MODULES.length >= 4, EXTRAS_MODULES.join(', '));
  for (const module of EXTRAS_MODULES) assert.ok(own.includes(module), `${module} is in extras.js: ${own.join(', ')}`);
});

test('dist/index.js and the chunks it imports hold none of them, and do not import extras.js statically', () => {
  assert.deepEqual(overlap(DIST), []);
  const closure = staticClosure(join(DIST, 'index.js')).map((f) => f.slice(DIST.length + 1));
  assert.ok(!closure.includes('extras.js'), `index.js imports: ${closure.join(', ')}`);
  // The seams are there: index.js requires extras.js on first use.
  assert.match(readFileSync(join(DIST, 'index.js'), 'utf8'), /createRequire\(import\.meta\.url\)\("\.\/extras\.js"\)/);
});

test("a fresh process that imports 'leanredis' loads no file bundled from an extras module", () => {
  const own = extrasOwnSources(DIST);
  const r = spawnSync(process.execPath, [join(PACKAGE_DIR, 'test', 'package', 'loaded-files-probe.mjs'), 'leanredis'], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const { files } = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.ok(files.includes(join(DIST, 'index.js')), files.join(', '));
  for (const file of files.filter((f) => f.startsWith(DIST))) {
    for (const source of sourcesOf(file)) assert.ok(!own.has(source), `${file} was loaded and holds ${source}`);
  }
});

test('the check catches a build whose loaders were not turned into requires (extras bundled into index.js)', () => {
  const out = mkdtempSync(join(tmpdir(), 'leanredis-static-loaders-'));
  try {
    const r = spawnSync(process.execPath, [join(PACKAGE_DIR, 'build.mjs')], {
      cwd: PACKAGE_DIR,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LEANREDIS_OUTDIR: out, LEANREDIS_STATIC_LOADERS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const found = overlap(out);
    assert.ok(found.some((f) => f.includes('decoder.ts')), `the broken build was not caught: ${found.join(', ')}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('every source map carries the text of its sources', () => {
  for (const name of readdirSync(DIST).filter((n) => n.endsWith('.js.map'))) {
    const map = JSON.parse(readFileSync(join(DIST, name), 'utf8'));
    assert.equal(map.sourcesContent?.length, map.sources.length, `${name}: sourcesContent for every source`);
    map.sourcesContent.forEach((text, i) => assert.ok(typeof text === 'string' && text.length > 0, `${name}: ${map.sources[i]} has no text`));
  }
});

test('the bundle keeps short lines: no line of a built file is longer than 1,000 characters', () => {
  for (const name of readdirSync(DIST).filter((n) => n.endsWith('.js'))) {
    const longest = Math.max(...readFileSync(join(DIST, name), 'utf8').split('\n').map((line) => line.length));
    assert.ok(longest <= 1000, `${name}: a line of ${longest} characters`);
  }
});
