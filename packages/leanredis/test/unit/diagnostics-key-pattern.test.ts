/** Key patterns for the memory report: identifier-like segments become `*`, names stay. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patternOf } from '../../src/diagnostics/key-pattern.ts';

test('numbers, UUIDs, long hex and long tokens with digits become *; names and separators stay', () => {
  const cases: [string, string][] = [
    ['user:1042:profile', 'user:*:profile'],
    ['user:77:profile', 'user:*:profile'],
    ['session:3f2b8c1e-9a4d-4c3b-8e21-0b7f5a6d9c10', 'session:*'],
    ['cache/v2/page/home', 'cache/v2/page/home'],
    ['order-items.2024.12', 'order-items.*.*'],
    ['blob:deadbeefcafef00d', 'blob:*'],
    ['tok:01HZX3K9Q7M2N4P6R8S0T1V3W5', 'tok:*'],
    ['{user:42}:cart', '{user:*}:cart'],
    ['rate:limit:-5', 'rate:limit:-*'],
    ['plain', 'plain'],
    ['', ''],
  ];
  for (const [key, pattern] of cases) assert.equal(patternOf(key), pattern, key);
});
