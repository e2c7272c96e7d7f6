/**
 * writeHeapSnapshot: writes a V8 heap snapshot when the estimate fits, and refuses with
 * HeapSnapshotRefusedError (ERR_HEAP_SNAPSHOT_REFUSED, shortages and estimate attached) when
 * the memory or the disk it would need is not there, writing nothing. Shortages are produced
 * by raising the factors (the estimate is heapUsed x factor), so the test needs no small
 * container or full disk. Options are checked like every diagnostics function's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, LeanRedisError, hasCode } from '../../src/index.ts';
import { estimateHeapSnapshot, writeHeapSnapshot, type HeapSnapshotRefusedError } from '../../src/diagnostics/index.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'leanredis-snapshot-'));
}

function head(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

test('writeHeapSnapshot writes a DevTools heap snapshot when it fits and reports its size and estimate', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'app.heapsnapshot');
    const r = writeHeapSnapshot({ file });
    assert.equal(r.file, file);
    assert.equal(r.bytes, statSync(file).size);
    assert.ok(r.bytes > 0 && r.durationMs > 0);
    assert.match(head(file, 64), /^\{"snapshot":\{"meta":/, 'the heapsnapshot JSON format');
    const e = r.estimate;
    assert.equal(e.fits, true);
    assert.deepEqual(e.shortages, []);
    assert.equal(e.dir, dir);
    assert.equal(e.memoryNeeded, Math.ceil(e.heapUsed * 40), 'default memoryFactor 40');
    assert.equal(e.diskNeeded, Math.ceil(e.heapUsed * 3), 'default diskFactor 3');
    assert.ok(e.memoryAvailable > 0 && e.diskFree > 0 && e.heapSizeLimit > e.heapUsed);
    assert.ok(r.bytes < e.diskNeeded, `file ${r.bytes} B within the disk estimate ${e.diskNeeded} B`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeHeapSnapshot refuses with ERR_HEAP_SNAPSHOT_REFUSED when the memory or the disk would not do, writing nothing', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'refused.heapsnapshot');
    const refusedFor = (shortages: string[]) => (err: unknown) => {
      assert.ok(err instanceof LeanRedisError && hasCode(err, 'ERR_HEAP_SNAPSHOT_REFUSED'), String(err));
      const e = err as HeapSnapshotRefusedError;
      assert.equal(e.name, 'HeapSnapshotRefusedError');
      assert.deepEqual(e.shortages, shortages);
      assert.deepEqual(e.estimate.shortages, shortages);
      assert.equal(e.estimate.fits, false);
      for (const s of shortages) assert.match(e.message, s === 'memory' ? /would add ~[\d.]+ MB of memory .* available/ : /the file would take ~[\d.]+ MB .* free in /);
      return true;
    };
    // heapUsed x 1e6 is terabytes: more than this machine's memory and disk.
    assert.throws(() => writeHeapSnapshot({ file, memoryFactor: 1e6 }), refusedFor(['memory']));
    assert.throws(() => writeHeapSnapshot({ file, diskFactor: 1e6 }), refusedFor(['disk']));
    assert.throws(() => writeHeapSnapshot({ file, memoryFactor: 1e6, diskFactor: 1e6 }), refusedFor(['memory', 'disk']));
    assert.deepEqual(readdirSync(dir), [], 'nothing written');

    const e = estimateHeapSnapshot({ file, memoryFactor: 1e6 });
    assert.equal(e.fits, false);
    assert.equal(e.memoryNeeded, Math.ceil(e.heapUsed * 1e6));
    assert.equal(estimateHeapSnapshot({ file, memoryFactor: 0, diskFactor: 0 }).fits, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options throw ArgumentError naming the option, before any estimate or write', () => {
  const invalid = (re: RegExp) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && re.test(err.message);
  assert.throws(() => writeHeapSnapshot({ path: '/tmp/x' } as never), invalid(/writeHeapSnapshot: unknown option "path" \(known: file, memoryFactor/));
  assert.throws(() => writeHeapSnapshot({ file: '' }), invalid(/"file" must be a non-empty path/));
  assert.throws(() => writeHeapSnapshot({ file: 42 } as never), invalid(/"file" must be a non-empty path/));
  assert.throws(() => writeHeapSnapshot({ file: join(tmpdir(), 'no-such-folder-leanredis', 'x.heapsnapshot') }), invalid(/"file": folder .*no-such-folder-leanredis does not exist/));
  assert.throws(() => writeHeapSnapshot({ memoryFactor: -1 }), invalid(/"memoryFactor" must be a number from 0/));
  assert.throws(() => writeHeapSnapshot({ diskFactor: Number.NaN }), invalid(/"diskFactor" must be a number from 0/));
  assert.throws(() => writeHeapSnapshot({ exposeInternals: 'yes' } as never), invalid(/"exposeInternals" must be a boolean/));
  assert.throws(() => estimateHeapSnapshot({ memoryFactr: 2 } as never), invalid(/estimateHeapSnapshot: unknown option "memoryFactr"/));
  assert.throws(() => writeHeapSnapshot('heap.heapsnapshot' as never), invalid(/options must be an object/));
});
