/**
 * `leanredis memory [--url ...]`: where a Redis server's memory goes, from
 * `memoryReport()` of `leanredis/diagnostics` (INFO, MEMORY STATS and DOCTOR, a bounded
 * sample of keys with MEMORY USAGE, connection buffers from CLIENT LIST), as tables or --json.
 * The doctor uses the client and the diagnostics through their public exports only.
 */
import type { Command } from '../command.js';
import { expectPositionals, parseCommandLine, readDurationMs, readInteger } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { renderMemoryReport } from '../report/memory-report.js';
import { resultHeader, writeJson } from '../report/json.js';
import { Progress } from '../report/progress.js';

const HELP = `Usage: leanredis memory [--url redis://host:port] [options]

Where a Redis server's memory goes: used memory, RSS, peak, maxmemory and policy,
fragmentation, evictions; MEMORY DOCTOR's advice; a bounded sample of keys (SCAN with MEMORY
USAGE and TYPE) giving the biggest keys and the key patterns by total size, scaled to the whole
database; and the connections whose buffers cost most (CLIENT LIST). Sections the server
refuses (a renamed MEMORY command, an ACL) are reported, the rest stands.

Key names appear in the report: mind where you send it.

Options:
  --url <url>              the server (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --max-keys <n>           most keys sampled; 0 skips the sample (default 1000)
  --time-budget <duration> no new batch of keys after this long; also each command's deadline
                           (default 2s)
  --top <n>                rows in the biggest-keys, patterns and clients tables (default 20)
  --match <pattern>        only keys matching this SCAN pattern (default: every key)
  --samples <n>            nested values MEMORY USAGE samples per aggregate key; 0 counts
                           them all, slow on big keys (default 5)
  --json                   the result as JSON on stdout
  -h, --help               this text

Exit codes: 0 reported, 2 bad usage, 3 the server cannot be reached or refuses INFO.
`;

const OPTIONS = {
  url: { type: 'string' },
  'max-keys': { type: 'string' },
  'time-budget': { type: 'string' },
  top: { type: 'string' },
  match: { type: 'string' },
  samples: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `leanredis memory`. */
export const command: Command = {
  help: HELP,
  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS);
    expectPositionals(positionals, 0, 0, '');
    const url = values.url ?? ctx.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (!/^rediss?:\/\//.test(url) || !URL.canParse(url)) throw usageError('--url takes redis://host:port or rediss://host:port');
    if (values.match === '') throw usageError('--match takes a non-empty pattern');
    const maxKeys = readInteger(values['max-keys'], 'max-keys', 1000, { min: 0, max: 10_000_000 });
    const timeBudgetMs = readDurationMs(values['time-budget'], 'time-budget', 2000, { minMs: 1, maxMs: 3_600_000 });
    const top = readInteger(values.top, 'top', 20, { min: 1, max: 10_000 });
    const samples = readInteger(values.samples, 'samples', 5, { min: 0, max: 1_000_000 });

    // Loaded here, not at start: the other commands do not pay for the client.
    const [{ createClient }, { memoryReport }] = await Promise.all([import('leanredis'), import('leanredis/diagnostics')]);
    // No offline queue: a server that is down fails the report at once rather
    // than after every retry; the deadline covers the dial.
    const client = createClient({ url, connectTimeoutMs: Math.min(timeBudgetMs, 10_000), offlineQueue: false });
    const progress = new Progress(ctx.stderr);
    progress.update(`memory: asking ${hostOf(url)} (sampling up to ${maxKeys} keys)`, true);
    const onAbort = () => void client.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const report = await memoryReport(client, { maxKeys, timeBudgetMs, top, samples, ...(values.match !== undefined ? { match: values.match } : {}) });
      progress.clear();
      const result = { ...resultHeader('memory'), server: hostOf(url), ...report };
      if (values.json === true) writeJson(ctx.stdout, result);
      else ctx.stdout.write(renderMemoryReport(result));
      return EXIT.ok;
    } catch (err) {
      progress.clear();
      if (ctx.signal.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      throw new CliError('ERR_CLI_UNREACHABLE', `${hostOf(url)}: ${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client.close();
    }
  },
};

/** host:port of a redis URL, without credentials (they never reach output). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(unparsable url)';
  }
}
