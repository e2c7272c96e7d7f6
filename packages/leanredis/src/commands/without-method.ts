// @layer L2 commands
/**
 * The server commands that deliberately have no method in the command table, each with why.
 * The coverage test (test/integration/command-coverage.test.ts) fails when a command of the
 * server's `COMMAND LIST` has neither a table method nor an entry here, and when an entry here
 * names a command the server does not have or one that also has a method; docs/COMMANDS.md
 * lists them with their reasons (scripts/commands-doc.ts).
 *
 * Two kinds of entries: `via` names the client API that sends the command (MULTI through
 * `multi()`, EVAL through `eval()`: they need more than one definition can say), and the rest
 * are left to `call(command, ...args)`, the escape hatch that sends any command as given (with
 * what the table knows about it: `call('DEBUG', ...)` still refuses nothing it should not).
 *
 * Not imported by the package's entry points: only the tests and the docs script read it.
 * Names are as `COMMAND LIST` spells them: lower case, "container|subcommand".
 */

/** Why a command has no table method, and what sends it instead. */
export interface WithoutMethod {
  /** The client API that sends it (a method outside the table, an option), when there is one. */
  readonly via?: string;
  /** Why it is not a table method. */
  readonly reason: string;
}

const HELP = 'human-readable text listing the subcommands; commandDocs() returns the same, structured';
const DEPRECATED = (instead: string): string => `deprecated by the server; ${instead}`;
const CLUSTER_ADMIN = 'changes the cluster topology: an operator task (redis-cli --cluster), not application code; call() sends it';
const TRANSACTION = 'a transaction spans several commands, built and sent together';
const PUBSUB = 'turns the connection into a subscriber: the subscription API owns that connection';
const REPLICATION = 'replication protocol between servers, not for clients';

/** Every command of redis-server 7.0 without a table method, by `COMMAND LIST` name. */
export const WITHOUT_METHOD: Readonly<Record<string, WithoutMethod>> = {
  eval: { via: 'client.eval()', reason: 'sends EVALSHA and falls back to EVAL on NOSCRIPT: two commands, one call' },
  eval_ro: { via: 'client.evalRo()', reason: 'sends EVALSHA_RO and falls back to EVAL_RO on NOSCRIPT: two commands, one call' },
  evalsha: { via: 'client.evalSha()', reason: 'one of the script runner methods, beside eval(): they share key and argument handling' },
  evalsha_ro: { via: 'client.evalShaRo()', reason: 'one of the script runner methods, beside evalRo(): they share key and argument handling' },
  multi: { via: 'client.multi() / lease.multi()', reason: TRANSACTION },
  exec: { via: 'multi().exec()', reason: TRANSACTION },
  discard: { reason: 'multi() sends MULTI, the commands and EXEC in one write: there is never an open transaction to discard' },
  subscribe: { via: 'client.subscribe()', reason: PUBSUB },
  psubscribe: { via: 'client.pSubscribe()', reason: PUBSUB },
  ssubscribe: { via: 'client.sSubscribe()', reason: PUBSUB },
  unsubscribe: { via: 'Subscription.unsubscribe()', reason: PUBSUB },
  punsubscribe: { via: 'Subscription.unsubscribe()', reason: PUBSUB },
  sunsubscribe: { via: 'Subscription.unsubscribe()', reason: PUBSUB },
  hello: { via: 'the protocol, username, password and clientName options', reason: 'the handshake of every connection; sent again it would change the protocol under the decoder' },
  auth: { via: 'the username and password options', reason: 'part of the handshake, repeated on every reconnect; a changed password goes in the options' },
  quit: { via: 'client.close()', reason: 'deprecated by the server (7.2); closing the socket does the same' },
  monitor: {
    reason:
      'streams every command of every client to the connection without end (values and passwords included): not offered as an iterator; use redis-cli MONITOR, or call() on a lease, which is then closed',
  },
  reset: { reason: 'resets protocol, database, name and authentication behind the client; release or close the lease instead' },
  'client|reply': { reason: 'OFF and SKIP suppress replies, which breaks the reply order every pipelined command depends on' },
  'client|tracking': { reason: 'client-side caching needs invalidation messages the client does not handle yet; call() on a lease (which is then closed) sends it' },
  'client|caching': { reason: 'only meaningful with CLIENT TRACKING (see there)' },
  sync: { reason: REPLICATION },
  psync: { reason: REPLICATION },
  replconf: { reason: REPLICATION },
  asking: { reason: 'a cluster redirection detail: sent right before the command an ASK redirect names, by cluster routing' },
  'restore-asking': { reason: 'sent between cluster nodes by MIGRATE' },
  debug: { reason: 'a troubleshooting command whose subcommands can stall or crash the server (DEBUG SLEEP, DEBUG SEGFAULT); call() sends it' },
  pfdebug: { reason: 'an internal HyperLogLog testing command' },
  pfselftest: { reason: 'an internal HyperLogLog testing command' },
  'script|debug': { reason: 'the Lua debugger is interactive: redis-cli --ldb' },
  shutdown: {
    reason: 'a successful SHUTDOWN has no reply (the server closes every connection, which a client sees as an outage and reconnects through); an operator task: redis-cli SHUTDOWN',
  },
  slaveof: { reason: DEPRECATED('replicaOf() sends REPLICAOF') },
  georadius: { reason: DEPRECATED('geoSearch() and geoSearchStore() send GEOSEARCH / GEOSEARCHSTORE') },
  georadius_ro: { reason: DEPRECATED('geoSearch() sends GEOSEARCH') },
  georadiusbymember: { reason: DEPRECATED('geoSearch() with { member } sends GEOSEARCH') },
  georadiusbymember_ro: { reason: DEPRECATED('geoSearch() with { member } sends GEOSEARCH') },
  zrangebyscore: { reason: DEPRECATED("zRange(key, min, max, { by: 'SCORE' }) sends ZRANGE ... BYSCORE") },
  zrevrangebyscore: { reason: DEPRECATED("zRange(key, max, min, { by: 'SCORE', reverse: true }) sends ZRANGE ... BYSCORE REV") },
  zrangebylex: { reason: DEPRECATED("zRange(key, min, max, { by: 'LEX' }) sends ZRANGE ... BYLEX") },
  zrevrangebylex: { reason: DEPRECATED("zRange(key, max, min, { by: 'LEX', reverse: true }) sends ZRANGE ... BYLEX REV") },
  zrevrange: { reason: DEPRECATED('zRange(key, start, stop, { reverse: true }) sends ZRANGE ... REV') },
  'cluster|slaves': { reason: DEPRECATED('clusterReplicas() sends CLUSTER REPLICAS') },
  'cluster|addslots': { reason: CLUSTER_ADMIN },
  'cluster|addslotsrange': { reason: CLUSTER_ADMIN },
  'cluster|bumpepoch': { reason: CLUSTER_ADMIN },
  'cluster|delslots': { reason: CLUSTER_ADMIN },
  'cluster|delslotsrange': { reason: CLUSTER_ADMIN },
  'cluster|failover': { reason: CLUSTER_ADMIN },
  'cluster|flushslots': { reason: CLUSTER_ADMIN },
  'cluster|forget': { reason: CLUSTER_ADMIN },
  'cluster|meet': { reason: CLUSTER_ADMIN },
  'cluster|replicate': { reason: CLUSTER_ADMIN },
  'cluster|reset': { reason: CLUSTER_ADMIN },
  'cluster|saveconfig': { reason: CLUSTER_ADMIN },
  'cluster|set-config-epoch': { reason: CLUSTER_ADMIN },
  'cluster|setslot': { reason: CLUSTER_ADMIN },
  'acl|help': { reason: HELP },
  'client|help': { reason: HELP },
  'cluster|help': { reason: HELP },
  'command|help': { reason: HELP },
  'config|help': { reason: HELP },
  'function|help': { reason: HELP },
  'latency|help': { reason: HELP },
  'memory|help': { reason: HELP },
  'module|help': { reason: HELP },
  'object|help': { reason: HELP },
  'pubsub|help': { reason: HELP },
  'script|help': { reason: HELP },
  'slowlog|help': { reason: HELP },
  'xgroup|help': { reason: HELP },
  'xinfo|help': { reason: HELP },
};
