/** A connection's queue of unwritten commands keeps their total size in step with every way in and out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue } from '../../src/connection/command-queue.ts';
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

test('InFlightBudget counts commands and bytes in and out in any grouping, and remembers the peaks', () => {
  const budget = new InFlightBudget(3, 100);
  budget.add(2, 30); // a flush adds what it wrote at once
  budget.add(1, 40); // a handshake command, alone
  assert.deepEqual([budget.commands, budget.bytes, budget.peakCommands, budget.peakBytes], [3, 70, 3, 70]);
  budget.remove(1, 10); // a reply
  assert.deepEqual([budget.commands, budget.bytes], [2, 60]);
  budget.remove(2, 60); // a lost socket gives back everything it had in flight
  assert.deepEqual([budget.commands, budget.bytes, budget.peakCommands, budget.peakBytes], [0, 0, 3, 70]);
});

test('InFlightBudget: one wake per tick for the connections waiting for room', async () => {
  const budget = new InFlightBudget(2, 100);
  budget.add(2, 70);
  let woken = 0;
  const wake = (): void => {
    woken++;
  };
  budget.waitForRoom(wake);
  budget.remove(1, 10);
  budget.remove(1, 60);
  assert.equal(woken, 0, 'not while replies are still being read');
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1, 'once for both replies');
  budget.add(1, 1);
  budget.remove(1, 1);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1, 'a woken connection waits again only if it still needs room');
  budget.waitForRoom(wake);
  budget.stopWaiting(wake);
  budget.add(1, 1);
  budget.remove(1, 1);
  await new Promise((resolve) => process.nextTick(resolve));
  assert.equal(woken, 1);
});

test('a transaction keeps its size on its first command, so a flush reads it instead of walking the unit', () => {
  const cmds = [command(10), command(20), command(30), command(40)];
  PromisedCommand.bindTransaction(cmds);
  assert.deepEqual(cmds[0].transactionUnit, { count: 4, bytes: 100 });
  for (const cmd of cmds.slice(1)) assert.equal(cmd.transactionUnit, undefined);
  assert.deepEqual(
    cmds.map((c) => [c.isInTransaction, c.continuesTransaction]),
    [
      [true, true],
      [true, true],
      [true, true],
      [true, false],
    ],
    'the last one (EXEC) ends the unit',
  );
  assert.equal(command(5).transactionUnit, undefined);
});
