// @layer surface
/**
 * What the published bundle loads after import, on first use, in one file (dist/extras.js):
 * the command table (first client), the decoder (first connection), the pub/sub manager (first
 * subscribe), the stream consumer (first streamConsumer()), the command observer (first
 * observed command) and the duration sinks' registry (first recorder installed). See build.mjs and the *-loader.ts files.
 */
export { buildTable } from './commands/table.js';
export { PubSub } from './client/pubsub.js';
export { StreamConsumer } from './client/stream-consumer.js';
export { Decoder } from './resp/decoder.js';
export { CommandObserver } from './client/observe.js';
export { DurationSinks } from './internal/duration-sinks.js';
