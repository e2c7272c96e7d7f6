/**
 * Every command of the server has a typed method or a documented reason not to: the server's
 * `COMMAND LIST` (and, for containers such as CLIENT or XINFO, their subcommands) against the
 * table's methods and src/commands/without-method.ts. Also: no entry there names a command
 * the server lacks or one that has a method too, and every command COMMAND DOCS documents is
 * in COMMAND LIST (so the list the test reads is the whole surface). Run under RESP2 and RESP3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol } from '../helpers/setup.ts';
import { commandTable } from '../../src/commands/index.ts';
import { WITHOUT_METHOD } from '../../src/commands/without-method.ts';

const redis = useRedisServer();

/** A command's name as COMMAND LIST spells it: "get", "client|kill". */
const listName = (name: string): string => name.toLowerCase().replace(' ', '|');

forEachProtocol((protocol) => {
  test('every command of COMMAND LIST has a typed method or an entry in without-method.ts', async () => {
    await using client = redis.client({ protocol });
    const list: string[] = await client.commandList();
    const withMethod = new Set(Object.values(commandTable().methods).map((d) => listName(d.name)));
    // A container (CLIENT, XINFO...) is its subcommands: covered when each of them is.
    const containers = new Set(list.filter((n) => n.includes('|')).map((n) => n.split('|')[0]));
    const missing = list.filter((n) => !containers.has(n) && !withMethod.has(n) && WITHOUT_METHOD[n] === undefined).sort();
    assert.deepEqual(missing, []);
  });

  test('without-method.ts names only commands the server has, none of which has a method', async () => {
    await using client = redis.client({ protocol });
    const list = new Set<string>(await client.commandList());
    const withMethod = new Set(Object.values(commandTable().methods).map((d) => listName(d.name)));
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(WITHOUT_METHOD)) {
      if (!list.has(name)) problems.push(`${name}: not a command of this server`);
      if (withMethod.has(name)) problems.push(`${name}: has a method too`);
      if (entry.reason.trim() === '') problems.push(`${name}: no reason`);
    }
    assert.deepEqual(problems, []);
  });

  test('COMMAND DOCS documents no command that COMMAND LIST leaves out', async () => {
    await using client = redis.client({ protocol });
    const list = new Set<string>(await client.commandList());
    const docs = await client.commandDocs();
    const names: string[] = [];
    for (const [name, doc] of Object.entries(docs)) {
      names.push(name);
      const subcommands = doc.subcommands;
      if (typeof subcommands === 'object' && subcommands !== null && !Array.isArray(subcommands)) names.push(...Object.keys(subcommands));
    }
    assert.ok(names.length >= list.size * 0.9, `${names.length} documented, ${list.size} listed`);
    assert.deepEqual(names.filter((n) => !list.has(n)), []);
  });
});
