/**
 * Property tests of the RESP codec (fast-check; the properties live in test/helpers/resp-fuzz.ts
 * so a soak script can run them longer). Inputs per run of this file, all randomly cut:
 *   -  6,000 command batches: Encoder -> Decoder round trip
 *   -  4,000 lists of random RESP values from the reference serializer
 *   - 90,000 mutated inputs (bit flips, truncation, insertion, deletion, duplicated headers,
 *            hostile lengths) under random limits
 *   = 100,000 inputs, about 10 s on a 2-core machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fuzzDecoder, fuzzRoundTrip, fuzzValues } from '../helpers/resp-fuzz.ts';

const ROUND_TRIPS = 6_000;
const VALUE_LISTS = 4_000;
const MUTATED_INPUTS = 90_000;

function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test(`encoded commands decode back to their argument bytes (${ROUND_TRIPS} batches)`, () => {
  fuzzRoundTrip(ROUND_TRIPS);
});

test(`random RESP2/RESP3 values decode to what was serialized, however they are cut (${VALUE_LISTS} lists)`, () => {
  fuzzValues(VALUE_LISTS);
});

test(`mutated input only ever yields values or a ProtocolError, the same way however it is cut (${MUTATED_INPUTS} inputs)`, () => {
  const before = retainedHeap();
  const { clean, rejected } = fuzzDecoder(MUTATED_INPUTS);
  // Both outcomes must be well represented, or the mutations are too weak or too strong.
  assert.ok(clean > MUTATED_INPUTS / 10, `only ${clean} inputs decoded cleanly`);
  assert.ok(rejected > MUTATED_INPUTS / 10, `only ${rejected} inputs were rejected`);
  const grown = retainedHeap() - before;
  assert.ok(grown < 32 * 1024 * 1024, `the heap kept ${grown} bytes after the run`);
});
