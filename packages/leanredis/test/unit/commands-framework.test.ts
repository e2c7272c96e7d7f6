/**
 * The command framework without a server: options checking, key positions, block times, the
 * funnel's argument count, and what `call()` learns from the table.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkEach, checkOptions, optionsSpec, integer, oneOf, boolean, nested } from '../../src/commands/check-options.ts';
import { define, wireArgs, type CommandDefinition } from '../../src/commands/define.ts';
import { keyIndexes } from '../../src/commands/key-positions.ts';
import { blockingTimeoutMs } from '../../src/commands/blocking.ts';
import { commandTable, definitionFor } from '../../src/commands/index.ts';
import { ArgumentError } from '../../src/errors.ts';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

const SPEC = optionsSpec(
  { expireSeconds: integer(1), expireMs: integer(1), condition: oneOf('NX', 'XX'), keepTtl: boolean, limit: nested(optionsSpec({ offset: integer(0), count: integer(-1) }), ['offset', 'count']) },
  [['expireSeconds', 'expireMs', 'keepTtl']],
);

function message(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ArgumentError);
    assert.equal(err.code, 'ERR_INVALID_OPTION');
    return err.message;
  }
  assert.fail('expected a throw');
}

describe('checkOptions', () => {
  test('accepts the known keys and undefined values; skips undefined options', () => {
    checkOptions('set', undefined, SPEC);
    checkOptions('set', {}, SPEC);
    checkOptions('set', { expireSeconds: 1, condition: 'NX', keepTtl: undefined, limit: { offset: 0, count: -1 } }, SPEC);
  });

  test('refuses an unknown key, naming it and the accepted ones, with a hint for other clients\' spellings', () => {
    assert.equal(message(() => checkOptions('set', { EX: 1 }, SPEC)), 'set: unknown option "EX" (use expireSeconds: n); accepted: expireSeconds, expireMs, condition, keepTtl, limit');
    assert.match(message(() => checkOptions('set', { ex: 1 }, SPEC)), /"ex" \(use expireSeconds: n\)/);
    assert.match(message(() => checkOptions('set', { nx: true }, SPEC)), /\(use condition: 'NX'\)/);
    assert.match(message(() => checkOptions('set', { Condition: 'NX' }, SPEC)), /"Condition" \(use "condition"\)/);
    // A hint only names a key this spec accepts.
    assert.doesNotMatch(message(() => checkOptions('x', { REV: true }, SPEC)), /reverse/);
    assert.match(message(() => checkOptions('set', { toString: 1 }, SPEC)), /unknown option "toString"/);
  });

  test('refuses wrong values, describing them by type (never a string\'s content)', () => {
    assert.match(message(() => checkOptions('set', { expireSeconds: 0 }, SPEC)), /"expireSeconds" must be an integer >= 1, got 0/);
    assert.match(message(() => checkOptions('set', { expireSeconds: '10' }, SPEC)), /got string$/);
    assert.match(message(() => checkOptions('set', { expireSeconds: Infinity }, SPEC)), /got Infinity/);
    assert.match(message(() => checkOptions('set', { condition: 'secret-value' }, SPEC)), /must be "NX" or "XX", got string$/);
    assert.match(message(() => checkOptions('set', { keepTtl: 1 }, SPEC)), /"keepTtl" must be true or false/);
    assert.match(message(() => checkOptions('set', { limit: { offset: 0 } }, SPEC)), /"limit" must be an object with "count"/);
    assert.match(message(() => checkOptions('set', { limit: { offset: 0, count: 1, skip: 1 } }, SPEC)), /unknown option "limit.skip"; accepted: offset, count/);
  });

  test('refuses contradictory combinations and options that are not an object', () => {
    assert.match(message(() => checkOptions('set', { expireSeconds: 1, expireMs: 1 }, SPEC)), /options "expireSeconds" and "expireMs" cannot be combined/);
    assert.match(message(() => checkOptions('set', { keepTtl: true, expireMs: 1 }, SPEC)), /cannot be combined/);
    assert.match(message(() => checkOptions('set', 'EX', SPEC)), /options must be an object, got string \(positional "EX" is \{ expireSeconds: n \} here\)/);
    assert.match(message(() => checkOptions('set', [], SPEC)), /got an array/);
    assert.match(message(() => checkOptions('set', null, SPEC)), /got null/);
  });

  test('the compiled check (simple checks and nested objects inline) and the loop (used where code generation is disallowed) agree on every outcome', () => {
    const inherited: Record<string, unknown> = Object.create({ expireMs: 5 });
    inherited.expireSeconds = 1;
    const nestedSpec = optionsSpec({ limit: SPEC.checks.limit!, by: oneOf('SCORE') });
    const inputs: Record<string, unknown>[] = [
      {},
      { expireSeconds: 1 },
      { expireSeconds: 1, condition: 'XX', limit: { offset: 1, count: 2 } },
      { expireSeconds: undefined, expireMs: 2 },
      { EX: 1 },
      { nx: true },
      { toString: 1 },
      { __proto__: null, constructor: 1 },
      { expireSeconds: 1.5 },
      { expireSeconds: '10' },
      { expireSeconds: Infinity },
      { expireSeconds: 2 ** 53 },
      { condition: 'secret' },
      { condition: 'nx' },
      { keepTtl: 1 },
      { keepTtl: true, expireSeconds: 3 },
      { expireMs: 1, condition: 'NX', expireSeconds: 1 },
      { limit: { offset: 0, count: 1, skip: 1 } },
      { limit: [] },
      { limit: { offset: 0 } },
      { limit: { count: 1 } },
      { limit: 'x' },
      { limit: null },
      { limit: { offset: -1, count: 1 } },
      inherited,
    ];
    const outcome = (run: () => void): string => {
      try {
        run();
        return 'ok';
      } catch (err) {
        return `${(err as ArgumentError).code}: ${(err as Error).message}`;
      }
    };
    for (const spec of [SPEC, nestedSpec]) {
      for (const input of inputs) {
        assert.equal(outcome(() => checkOptions('set', input, spec)), outcome(() => checkEach('set', input, spec)), JSON.stringify(input));
      }
    }
    assert.match(outcome(() => checkOptions('set', inherited, SPEC)), /options "expireSeconds" and "expireMs" cannot be combined/);
  });

  test('runs where code generation from strings is disallowed, with the same messages', () => {
    const script = `
      import { checkOptions, optionsSpec, integer } from './src/commands/check-options.ts';
      const spec = optionsSpec({ expireSeconds: integer(1), expireMs: integer(1) }, [['expireSeconds', 'expireMs']]);
      checkOptions('set', { expireSeconds: 1 }, spec);
      let generated = 'yes';
      try { new Function('return 1'); } catch { generated = 'no'; }
      const messages = [{ EX: 1 }, { expireSeconds: 0 }, { expireSeconds: 1, expireMs: 1 }].map((o) => {
        try { checkOptions('set', o, spec); return 'ok'; } catch (e) { return e.message; }
      });
      console.log(JSON.stringify({ generated, compiled: spec.compiled, messages }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--disallow-code-generation-from-strings', '-e', script], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), {
      generated: 'no',
      compiled: null,
      messages: [
        'set: unknown option "EX" (use expireSeconds: n); accepted: expireSeconds, expireMs',
        'set: option "expireSeconds" must be an integer >= 1, got 0',
        'set: options "expireSeconds" and "expireMs" cannot be combined',
      ],
    });
  });
});

describe('wireArgs', () => {
  test('refuses more arguments than the method takes, naming the command', () => {
    const get = { ...define('GET', { arity: 1 }), method: 'get' };
    assert.deepEqual(wireArgs(get, ['k']), ['k']);
    assert.throws(() => wireArgs(get, ['k', 'v']), { code: 'ERR_INVALID_ARGUMENT', command: 'GET', message: /^get: expected at most 1 argument, got 2/ });
  });

  test('sets the command on an ArgumentError thrown by build', () => {
    const d = { ...define('SET', { build: (): never => { throw new ArgumentError('set: bad', 'ERR_INVALID_OPTION'); } }), method: 'set' };
    assert.throws(() => wireArgs(d as unknown as CommandDefinition, []), { command: 'SET', code: 'ERR_INVALID_OPTION' });
  });

  test('every definition of the table takes as many arguments as its build function', () => {
    for (const [method, d] of Object.entries(commandTable().methods)) {
      if (d.build !== undefined) assert.equal(d.arity, d.build.length, method);
      assert.equal(d.method, method);
    }
  });
});

describe('keyIndexes', () => {
  const spec = (keys: CommandDefinition['keys']): CommandDefinition => ({ ...define('X'), keys });
  test('a range: one key, every argument, all but the last, every other one', () => {
    assert.deepEqual(keyIndexes(spec([{ index: 0 }]), ['k', 'v']), [0]);
    assert.deepEqual(keyIndexes(spec([{ index: 0, lastKey: -1 }]), ['a', 'b', 'c']), [0, 1, 2]);
    assert.deepEqual(keyIndexes(spec([{ index: 0, lastKey: -2 }]), ['a', 'b', '5']), [0, 1]);
    assert.deepEqual(keyIndexes(spec([{ index: 0, lastKey: -1, keyStep: 2 }]), ['a', '1', 'b', '2']), [0, 2]);
  });

  test('a count (ZUNION, EVAL), a keyword (SORT ... STORE, XREAD STREAMS), none, unknown', () => {
    assert.deepEqual(keyIndexes(spec([{ index: 0, keyNumIndex: 0, firstKey: 1 }]), [2, 'a', 'b', 'WEIGHTS', 1, 2]), [1, 2]);
    assert.deepEqual(keyIndexes(spec([{ index: 1, keyNumIndex: 0, firstKey: 1 }]), ['script', 1, 'a', 'arg']), [2]);
    assert.deepEqual(keyIndexes(spec([{ index: 0 }, { keyword: 'STORE', startFrom: -2 }]), ['src', 'BY', 'w_*', 'STORE', 'dst']), [0, 4]);
    assert.deepEqual(keyIndexes(spec([{ keyword: 'STREAMS', startFrom: 0, lastKey: -1, limit: 2 }]), ['COUNT', 1, 'STREAMS', 'a', 'b', '0', '0']), [3, 4]);
    assert.deepEqual(keyIndexes(spec([{ keyword: 'STREAMS', startFrom: 0, lastKey: -1, limit: 2 }]), ['COUNT', 1]), []);
    assert.deepEqual(keyIndexes(spec([]), ['a']), []);
    assert.equal(keyIndexes(spec(undefined), ['a']), undefined);
  });
});

describe('blockingTimeoutMs', () => {
  test('reads the block time where the spec says, in its unit', () => {
    const at = (block: CommandDefinition['block']): CommandDefinition => ({ ...define('B'), block });
    assert.equal(blockingTimeoutMs(at({ at: -1, unit: 's' }), ['a', 'b', 1.5]), 1500);
    assert.equal(blockingTimeoutMs(at({ at: 0, unit: 's' }), [0, 1, 'a']), 0);
    assert.equal(blockingTimeoutMs(at({ at: -1, unit: 'ms' }), [1, 250]), 250);
    const xread = at({ keyword: 'BLOCK', before: 'STREAMS', unit: 'ms' });
    assert.equal(blockingTimeoutMs(xread, ['COUNT', 1, 'BLOCK', 100, 'STREAMS', 'k', '$']), 100);
    assert.equal(blockingTimeoutMs(xread, ['COUNT', 1, 'STREAMS', 'BLOCK', '$']), undefined, 'a stream named BLOCK is not the option');
    assert.equal(blockingTimeoutMs(at(undefined), ['a', 1]), undefined);
  });
});

describe('definitionFor (call)', () => {
  test('takes what the table knows about the command, sending its name and arguments as given', () => {
    const blpop = definitionFor('blpop', ['k', 1]);
    assert.equal(blpop.name, 'BLPOP');
    assert.deepEqual(blpop.block, { at: -1, unit: 's' });
    assert.equal(blpop.build, undefined);
    assert.equal(blpop.transform, undefined);
    assert.equal(blpop.prefix?.toString(), '$5\r\nblpop\r\n');
    assert.equal(definitionFor('GET', ['k']).isReadOnly, true);
    assert.equal(definitionFor('SELECT', [1]).state, 'leaves');
    assert.equal(definitionFor('MULTI', []).state, 'leaves');
    assert.equal(definitionFor('EXEC', []).state, 'unwatch');
  });

  test('finds a subcommand from the first argument and moves its key positions by one', () => {
    const tracking = definitionFor('CLIENT', ['TRACKING', 'ON']);
    assert.equal(tracking.state, 'leaves');
    const usage = definitionFor('MEMORY', ['USAGE', 'k']);
    assert.deepEqual(keyIndexes(usage, ['USAGE', 'k']), [1]);
    assert.equal(definitionFor('CLIENT', ['ID']).state, undefined);
  });

  test('an unknown command has unknown keys and no flags', () => {
    const d = definitionFor('JSON.GET', ['k', '$']);
    assert.equal(d.keys, undefined);
    assert.equal(d.block, undefined);
    assert.equal(d.state, undefined);
    assert.equal(d.isReadOnly, false);
  });
});
