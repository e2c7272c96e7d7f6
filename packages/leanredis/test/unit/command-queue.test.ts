/** A connection's queue of unwritten commands keeps their total size in step with every way in and out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue } from '../../src/connection/command-queue.ts';
import { PromisedCommand } from '../../src/connection/pending-command.ts';

const spec = { name: 'SET', prefix: Buffer.from('*1\r\n$3\r\nSET\r\n'), tokens: 1, transform: undefined };
const command = (bytes: number): PromisedCommand => new PromisedCommand(spec, ['k'], 0, bytes, 0, undefined);

test('CommandQueue.bytes follows push, unshift, shift, retain and drain', () => {
  const q = new CommandQueue();
  const [a, b, c, d] = [command(10), command(20), command(40), command(80)];
  q.push(a);
  q.push(b);
  q.unshift(c);
  assert.equal(q.bytes, 70);
  assert.equal(q.shift(), c);
  assert.equal(q.bytes, 30);
  q.push(d);
  q.retain((cmd) => cmd !== b);
  assert.deepEqual([...q], [a, d]);
  assert.equal(q.bytes, 90);
  assert.equal(q.shift(), a);
  assert.equal(q.shift(), d);
  assert.equal(q.shift(), undefined);
  assert.equal(q.bytes, 0);
  q.push(a);
  q.push(b);
  assert.deepEqual(q.drain(), [a, b]);
  assert.equal(q.bytes, 0);
});
