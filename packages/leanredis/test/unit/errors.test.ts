/** Error classes: stable codes, names, redaction, and instanceof across duplicate module copies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as errors from '../../src/errors.ts';

test('instanceof holds across a second copy of the errors module (registered brands), and only along real subclassing', async () => {
  // A query string makes the loader evaluate the module again: a second copy, as a test
  // runner's registry or a require hook that re-compiles ESM would make.
  const specifier = '../../src/errors.ts?second-copy';
  const copy = (await import(specifier)) as typeof errors;
  assert.notEqual(copy.ReplyError, errors.ReplyError, 'really a second copy');
  const fromCopy = new copy.ReplyError('WRONGTYPE x');
  assert.ok(fromCopy instanceof errors.ReplyError);
  assert.ok(fromCopy instanceof errors.LeanRedisError);
  assert.ok(!(fromCopy instanceof errors.ArgumentError));
  assert.ok(new errors.ConnectTimeoutError('slow') instanceof copy.ConnectionError);
  assert.ok(!((('text' as unknown) as object) instanceof errors.ReplyError));
  assert.ok(!([] instanceof errors.LeanRedisError));
  // A user's own subclass follows the prototype chain, both ways.
  class Mine extends errors.ConnectionError {}
  assert.ok(new Mine('ERR_CONNECTION_LOST', 'x') instanceof errors.ConnectionError);
  assert.ok(!(new errors.ConnectionError('ERR_CONNECTION_LOST', 'y') instanceof Mine));
});

test('ReplyError takes its code from the server prefix and redacts echoed arguments', () => {
  const e = new errors.ReplyError("ERR unknown command 'AUTHX', with args beginning with: 'secret-pw' ");
  assert.equal(e.code, 'ERR');
  assert.ok(!e.message.includes('secret-pw'));
  const acl = new errors.ReplyError("ERR Error in ACL SETUSER modifier 'secret-pw': Syntax error");
  assert.ok(!acl.message.includes('secret-pw'));
  assert.equal(new errors.ReplyError('WRONGTYPE Operation against a key').code, 'WRONGTYPE');
  assert.equal(new errors.ReplyError('weird lowercase prefix').code, 'ERR');
  assert.equal(e.name, 'ReplyError');
  assert.equal(errors.ReplyError.name, 'ReplyError');
  assert.ok(errors.hasCode(e, 'ERR'));
});
