/** A connection's queue of unwritten commands keeps their total size in step with every way in and out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue, InFlightQueue } from '../../src/connection/command-queue.ts';
import { InFlightBudget } from '../../src/connection/in-flight-budget.ts';
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

test('InFlightQueue keeps the client-wide tally in step with every way out, and remembers the peaks', () => {
  const budget = new InFlightBudget(3, 100);
  const q = new InFlightQueue(budget);
  const [a, b, c] = [command(10), command(20), command(40)];
  q.push(a);
  q.push(b);
  q.push(c);
  assert.deepEqual([budget.commands, budget.bytes, budget.peakCommands, budget.peakBytes], [3, 70, 3, 70]);
  assert.equal(q.shift(), a);
  assert.deepEqual([budget.commands, budget.bytes], [2, 60]);
  q.retain((cmd) => cmd !== b);
  assert.deepEqual([budget.commands, budget.bytes], [1, 40]);
  q.unshift(b);
  assert.deepEqual(q.drain(), [b, c]);
  assert.deepEqual([budget.commands, budget.bytes, budget.peakCommands, budget.peakBytes], [0, 0, 3, 70]);
});

test('InFlightBudget: which cap a command would break, and one wake per tick for the connections waiting for room', async () => {
  const budget = new InFlightBudget(2, 100);
  assert.equal(budget.holdFor(1000), 'none', 'with nothing in flight anything fits (a command larger than the cap goes alone)');
  budget.add(60);
  assert.equal(budget.holdFor(30), 'none');
  assert.equal(budget.holdFor(50), 'inFlightBytes');
  budget.add(10);
  assert.equal(budget.holdFor(1), 'inFlightCommands');
  assert.equal(budget.holdFor(0, 5), 'inFlightCommands', 'a transaction counts each of its commands');
  assert.equal(new InFlightBudget(2, 100).holdFor(1000, 5), 'none', 'with nothing in flight a transaction larger than the caps goes alone');
  let woken = 0;
  const wake = (): void => {
    woken++;
  };
  budget.waitForRoom(wake);
  budget.remove(10);
  budget.remove(60);
  assert.equal(woken, 0, 'not while replies are still being read');
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1, 'once for both replies');
  budget.add(1);
  budget.remove(1);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1, 'a woken connection waits again only if it still needs room');
  budget.waitForRoom(wake);
  budget.stopWaiting(wake);
  budget.add(1);
  budget.remove(1);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1);
});
