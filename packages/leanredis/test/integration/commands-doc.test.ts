/**
 * docs/COMMANDS.md is what scripts/commands-doc.mjs generates from the table, the method types
 * and this server's COMMAND DOCS: regenerate it with `npm run docs:commands` when this fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useRedisServer } from '../helpers/setup.ts';
// @ts-expect-error a plain .mjs script without declarations
import { COMMANDS_DOC, generate } from '../../../../scripts/commands-doc.mjs';

const redis = useRedisServer();

test('docs/COMMANDS.md is up to date with the table, the method types and COMMAND DOCS', async () => {
  await using client = redis.client();
  const expected: string = await generate(client);
  const actual = readFileSync(COMMANDS_DOC as string, 'utf8');
  if (actual !== expected) {
    const a = actual.split('\n');
    const e = expected.split('\n');
    const line = e.findIndex((l, i) => l !== a[i]);
    assert.fail(`docs/COMMANDS.md is out of date (run npm run docs:commands); first difference at line ${line + 1}:\n  file: ${a[line]}\n  now:  ${e[line]}`);
  }
});
