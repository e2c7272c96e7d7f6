/**
 * The command table against the server's own description of its commands: every method's key
 * positions equal what `COMMAND GETKEYS` finds in the same wire arguments (cluster routing
 * depends on them; shard channels, which route like keys without being keys, are checked
 * against COMMAND INFO's key specs), and its flags agree with COMMAND INFO (a "write" command is never marked
 * read-only, and so never re-sent after a lost connection; a "blocking" one has a block spec).
 * EXAMPLES (test/helpers/command-examples.ts) holds a valid call of every method.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { useRedisServer } from '../helpers/setup.ts';
import { commandTable } from '../../src/commands/index.ts';
import { wireArgs } from '../../src/commands/define.ts';
import { keysOf } from '../../src/commands/key-positions.ts';
import { EXAMPLES } from '../helpers/command-examples.ts';
import type { Arg } from '../../src/resp/encoder.ts';

const redis = useRedisServer();

const text = (a: Arg): string => (Buffer.isBuffer(a) ? a.toString() : String(a));

test('every method has an example, and every example builds', () => {
  const methods = commandTable().methods;
  assert.deepEqual(Object.keys(EXAMPLES).sort(), Object.keys(methods).sort());
  for (const [method, args] of Object.entries(EXAMPLES)) {
    assert.doesNotThrow(() => wireArgs(methods[method], [...args]), method);
  }
});

test('key positions of every method equal what COMMAND GETKEYS finds in the same arguments', async () => {
  await using client = redis.client();
  await using conn = await client.acquire();
  const methods = commandTable().methods;
  const mismatches: string[] = [];
  for (const [method, example] of Object.entries(EXAMPLES)) {
    const definition = methods[method];
    const args = wireArgs(definition, [...example]);
    const ours = (keysOf(definition, args, true) ?? []).map(text);
    let theirs: string[] = [];
    // GETKEYS needs at least one word after the command name (RANDOMKEY, PING: no keys anyway).
    if (definition.tokens + args.length > 1) {
      try {
        theirs = ((await conn.call('COMMAND', 'GETKEYS', ...definition.name.split(' '), ...args)) as Arg[]).map(text);
      } catch (err) {
        // Commands without key arguments: "The command has no key arguments".
        if (!/no key arguments/.test((err as Error).message)) throw new Error(`${method}: ${(err as Error).message}`);
      }
    }
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${method} (${definition.name}): ours ${JSON.stringify(ours)}, server ${JSON.stringify(theirs)}`);
  }
  assert.deepEqual(mismatches, []);
});

test('shard channels route like keys: SPUBLISH and SSUBSCRIBE name the channel as a not_key spec, as COMMAND INFO does', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  assert.deepEqual(keysOf(methods.sPublish, ['ch', 'm']), ['ch']);
  assert.deepEqual(keysOf(methods.sPublish, ['ch', 'm'], true), []);
  const [info] = (await client.call('COMMAND', 'INFO', 'SPUBLISH')) as unknown[][];
  // Key specs are maps (RESP3) or flat lists (RESP2): look for the flag in either.
  assert.match(inspect(info[8], { depth: 6 }), /not_key/);
});

test('flags agree with COMMAND INFO: write commands are not read-only, readonly ones are, blocking ones block', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  const names = [...new Set(Object.values(methods).map((d) => d.name.toLowerCase().replace(' ', '|')))];
  const flagsOf = new Map<string, string[]>();
  // COMMAND INFO takes "container|subcommand" names; its reply is alike under RESP2 and RESP3.
  const infos = (await client.call('COMMAND', 'INFO', ...names)) as unknown[][];
  infos.forEach((info, i) => flagsOf.set(names[i], (info[2] as Arg[]).map(text)));
  const problems: string[] = [];
  for (const [method, d] of Object.entries(methods)) {
    const flags = flagsOf.get(d.name.toLowerCase().replace(' ', '|'));
    if (flags === undefined) {
      problems.push(`${method}: the server does not know ${d.name}`);
      continue;
    }
    if (flags.includes('write') && d.isReadOnly) problems.push(`${method}: a write command marked read-only`);
    if (flags.includes('readonly') && !d.isReadOnly) problems.push(`${method}: a readonly command not marked read-only`);
    if (flags.includes('blocking') && d.block === undefined) problems.push(`${method}: a blocking command without a block spec`);
  }
  assert.deepEqual(problems, []);
});

test('every example has as many wire arguments as COMMAND INFO\'s arity allows', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  const names = [...new Set(Object.values(methods).map((d) => d.name.toLowerCase().replace(' ', '|')))];
  const infos = await client.commandInfo(names);
  const arityOf = new Map(infos.map((info, i) => [names[i], info?.arity]));
  const problems: string[] = [];
  for (const [method, example] of Object.entries(EXAMPLES)) {
    const d = methods[method];
    const arity = arityOf.get(d.name.toLowerCase().replace(' ', '|'));
    // The arity counts the name tokens: 2 for GET key, 3 for OBJECT ENCODING key.
    const count = d.tokens + wireArgs(d, [...example]).length;
    if (arity === undefined || (arity >= 0 ? count !== arity : count < -arity)) problems.push(`${method}: ${count} words, server arity ${arity}`);
  }
  assert.deepEqual(problems, []);
});

test('a command takes keys in the table exactly when COMMAND INFO gives it key specs', async () => {
  await using client = redis.client();
  const methods = commandTable().methods;
  const names = [...new Set(Object.values(methods).map((d) => d.name.toLowerCase().replace(' ', '|')))];
  const infos = await client.commandInfo(names);
  const problems: string[] = [];
  for (const [method, d] of Object.entries(methods)) {
    const info = infos[names.indexOf(d.name.toLowerCase().replace(' ', '|'))];
    const serverHasKeys = (info?.keySpecs.length ?? 0) > 0;
    const oursHasKeys = (d.keys?.length ?? 0) > 0;
    if (serverHasKeys !== oursHasKeys) problems.push(`${method}: server key specs ${info?.keySpecs.length}, ours ${d.keys?.length}`);
  }
  assert.deepEqual(problems, []);
});
