/**
 * The reply clock: command observers read the clock once per chunk of replies (the connection
 * marks the chunk it decodes), and per outcome outside a chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeTime, replyChunks } from '../../src/internal/reply-clock.ts';

/** Spins until performance.now() has moved (its resolution is well under a millisecond). */
function tick(): void {
  const t = performance.now();
  while (performance.now() === t);
}

test('outside a chunk every outcome reads the clock', () => {
  assert.equal(replyChunks.depth, 0);
  const a = outcomeTime();
  tick();
  assert.ok(outcomeTime() > a);
});

test('outcomes of one chunk share the time of its first; the next chunk reads the clock again', () => {
  replyChunks.count++;
  replyChunks.depth++;
  try {
    const first = outcomeTime();
    tick();
    assert.equal(outcomeTime(), first, 'same chunk, same moment');
    replyChunks.count++;
    tick();
    assert.ok(outcomeTime() > first, 'a new chunk reads the clock');
  } finally {
    replyChunks.depth--;
  }
  const outside = outcomeTime();
  tick();
  assert.ok(outcomeTime() > outside, 'and after the chunk, each outcome does');
});
