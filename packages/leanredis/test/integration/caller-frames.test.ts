/**
 * Errors that lead to the caller: with `captureCallerStack`, a command's error (made when the
 * reply arrives, in a socket callback) carries the frames of the code that called it, without
 * the library's own; off by default, where the stack is the library's only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyError, type Client } from '../../src/index.ts';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';

const redis = useRedisServer();

// Named functions whose frames must show up in the error's stack.
async function checkoutCart(client: Client, key: string): Promise<unknown> {
  return client.incr(key);
}
async function checkoutPipeline(client: Client, key: string): Promise<unknown> {
  return client.pipeline().get(key).incr(key).exec();
}

test('captureCallerStack: a ReplyError names the calling function and this file, after "--- called from ---", and no library frame there', async () => {
  await using client = redis.client({ captureCallerStack: true });
  const k = uniqueKey();
  await client.set(k, 'not a number');
  const err = await checkoutCart(client, k).then(
    () => assert.fail('INCR of text resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ReplyError, String(err));
  assert.equal(err.code, 'ERR');
  const [, callers] = String(err.stack).split('--- called from ---\n');
  assert.ok(callers !== undefined, `no caller frames in ${err.stack}`);
  assert.match(callers, /checkoutCart/);
  assert.match(callers, /caller-frames\.test\.ts/);
  assert.doesNotMatch(callers, /src\/(client|connection|pool|commands)\//, 'library frames are left out');
});

test('captureCallerStack: errors inside a pipeline get the frames of the code that ran exec()', async () => {
  await using client = redis.client({ captureCallerStack: true });
  const k = uniqueKey();
  await client.set(k, 'text');
  const err = await checkoutPipeline(client, k).then(
    () => assert.fail('exec resolved'),
    (e: unknown) => e as { errors: Error[] },
  );
  const [first] = err.errors;
  assert.match(String(first.stack), /--- called from ---[\s\S]*checkoutPipeline/);
});

test('by default the stack is left as it was made (no capture, no frames appended)', async () => {
  await using client = redis.client();
  const k = uniqueKey();
  await client.set(k, 'not a number');
  const err = await checkoutCart(client, k).then(
    () => assert.fail('INCR of text resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ReplyError);
  assert.doesNotMatch(String(err.stack), /--- called from ---/);
});
