/**
 * Child process entry: runs one scenario for one client in a fresh process (so no client ever
 * shares a heap, a JIT state or an event loop with another) and prints its result as one
 * `@@RESULT <json>` line. Spawned by lib/harness.mjs with the scenario's node flags.
 */
import { CLIENTS, FLOOR } from './clients.mjs';

const [scenarioFile, clientId, serverJson, paramsJson] = process.argv.slice(2);
const scenario = (await import(scenarioFile)).default;
// 'floor' is the fake client; 'leanredis-<variant>' rows drive leanredis in a scenario's own way.
// An extra row of the scenario's own (e.g. 'prom-client') gets just its id: the scenario drives it.
const isOwnRow = scenario.extras?.some((/** @type {{ id: string; child?: boolean }} */ x) => x.id === clientId && x.child) && !(clientId in CLIENTS);
const client = clientId === 'floor' ? FLOOR : clientId.startsWith('leanredis-') ? { ...CLIENTS.leanredis, id: clientId } : isOwnRow ? { id: clientId } : CLIENTS[clientId];
if (!client) throw new Error(`unknown client ${clientId}`);
const server = JSON.parse(serverJson);
const params = JSON.parse(paramsJson);

try {
  const result = await scenario.run({ client, server, params });
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  process.stdout.write(`@@RESULT ${JSON.stringify({ error: (err instanceof Error ? (err.stack ?? err.message) : String(err)).split('\n').slice(0, 3).join(' | ') })}\n`);
  process.exit(0);
}
