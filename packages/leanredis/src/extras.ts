/**
 * What the published bundle loads after import, on first use, in one file (dist/extras.js):
 * the command table (first client), the decoder (first connection) and the pub/sub manager
 * (first subscribe). See build.mjs and the *-loader.ts files.
 */
export { buildTable } from './commands/table.js';
export { PubSub } from './client/pubsub.js';
export { Decoder } from './resp/decoder.js';
