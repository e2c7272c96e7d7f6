// @layer L0 internal
/**
 * One clock read per chunk of replies for command observers. A connection marks each chunk it
 * decodes (`replyChunks`: a count, and a depth while one is being decoded); the replies in it
 * are delivered synchronously inside, so an observer settling many commands from one chunk
 * reads the clock once, at the first outcome, instead of once per command. Under concurrent
 * load a chunk carries tens of replies; on Node 20 `performance.now()` is a process.hrtime()
 * call and an array (50-90 ns here), and the two reads per observed command were ~40% of the
 * observed path's own cost (issue 14, a CPU profile of bench/observe-cost.mjs's listen mode).
 *
 * The shared moment is when the chunk's first reply settled, so a later reply of the same chunk
 * is not charged for the decoding and the synchronous subscribers of the replies before it.
 * Outside a chunk (a deadline, a lost socket, a closed client, a command refused at once) there
 * is no shared moment: the clock is read for each outcome. Unobserved clients pay three
 * property writes per chunk.
 */
import { nowMs } from './clock.js';

/** Chunks of replies read so far, and how many are being decoded right now (0 or 1). */
export const replyChunks = { count: 0, depth: 0 };

let seenChunk = -1;
let seenAt = 0;

/**
 * The time of an outcome that comes now: while a chunk of replies is decoded, the time its
 * first outcome asked for (read once per chunk); otherwise `performance.now()`.
 */
export function outcomeTime(): number {
  if (replyChunks.depth === 0) return nowMs();
  if (seenChunk !== replyChunks.count) {
    seenChunk = replyChunks.count;
    seenAt = nowMs();
  }
  return seenAt;
}
