/**
 * What each object on a GET's path weighs in this V8 (Node 20 is built without pointer
 * compression: 8-byte fields). Explains the floor under the "bytes allocated per GET" figure.
 * Run: node --expose-gc --import tsx bench/object-sizes.ts
 * Each figure: retained heap of N live objects, after full GCs, divided by N.
 */
import { PromisedCommand } from '../packages/leanredis/src/connection/pending-command.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc --import tsx bench/object-sizes.ts');
const N = 200_000;
const spec = { name: 'GET', prefix: Buffer.from('*2\r\n$3\r\nGET\r\n'), tokens: 1, transform: undefined };
const sharedArgs = ['k'];
const value100 = Buffer.alloc(100, 'v');

function restArgs(...args: unknown[]): unknown[] {
  return args;
}

function bytesEach(make: (i: number) => unknown): number {
  const keep: unknown[] = new Array(N).fill(0);
  for (let i = 0; i < 2000; i++) make(i); // warm up, so what is measured is optimized code's output
  gc!();
  gc!();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) keep[i] = make(i);
  gc!();
  gc!();
  const after = process.memoryUsage().heapUsed;
  if (keep.length !== N) throw new Error('unreachable');
  return Math.round((after - before) / N);
}

const rows: [string, number][] = [
  ['promise (new Promise, resolving functions dropped)', bytesEach(() => new Promise(() => {}))],
  ['promise + its two resolving functions kept', bytesEach(() => {
    let keepResolve: unknown;
    const p = new Promise((resolve) => (keepResolve = resolve));
    return [p, keepResolve];
  }) - bytesEach(() => [0, 0])],
  ['PromisedCommand with its promise and resolving functions (args shared)', bytesEach(() => new PromisedCommand(spec, sharedArgs, 5000, 16, 0, undefined))],
  ['one-element argument array (a rest parameter)', bytesEach((i) => restArgs(i))],
  ['100-byte reply decoded to a string', bytesEach(() => value100.toString('latin1', 0, 100))],
  ['a heap number (performance.now())', bytesEach(() => performance.now())],
];
for (const [what, bytes] of rows) console.log(`${String(bytes).padStart(5)} B  ${what}`);
