#!/usr/bin/env node
/**
 * Generates docs/COMMANDS.md: every command of the server's COMMAND LIST with its method, the
 * method's parameters and reply type (read from the typed interfaces by the TypeScript
 * checker), the version that introduced it and its group (from COMMAND DOCS), then the commands
 * other client APIs send and those without a method, with the reasons from
 * src/commands/without-method.ts. test/integration/commands-doc.test.ts fails when the file is
 * out of date.
 *
 *   npm run docs:commands        (node --import tsx scripts/commands-doc.mjs; starts its own redis-server)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'packages', 'leanredis', 'src');
/** Where the generated reference lives. */
export const COMMANDS_DOC = join(root, 'docs', 'COMMANDS.md');

/**
 * Each typed method's signature as the editor shows it: `name(param, option?)` and the
 * resolved reply type of a string client.
 * @returns {Map<string, { signature: string, reply: string }>}
 */
export function methodSignatures() {
  const file = join(src, `.commands-doc-${process.pid}.ts`);
  const text = `import type { CommandMethods, LeaseCommandMethods, PromiseKind } from './index.ts';\nexport type All = CommandMethods<PromiseKind<string>> & LeaseCommandMethods<PromiseKind<string>>;\n`;
  const options = { strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'] };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (f === file ? text : read(f));
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => f === file || exists(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, v) => (f === file ? ts.createSourceFile(f, text, v) : getSourceFile(f, v));
  const program = ts.createProgram([file], options, host);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error('commands-doc: the probe file was not compiled');
  const alias = source.statements.find((s) => ts.isTypeAliasDeclaration(s));
  if (alias === undefined) throw new Error('commands-doc: no type alias in the probe file');
  const all = checker.getTypeAtLocation(alias.name);
  const out = new Map();
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
  for (const property of all.getProperties()) {
    const [signature] = checker.getTypeOfSymbolAtLocation(property, alias).getCallSignatures();
    const params = signature.getParameters().map((p) => {
      const declaration = p.valueDeclaration;
      const optional = declaration !== undefined && ts.isParameter(declaration) && (declaration.questionToken !== undefined || declaration.initializer !== undefined);
      return `${p.getName()}${optional ? '?' : ''}`;
    });
    const returned = checker.getReturnTypeOfSignature(signature);
    const [resolved] = checker.getTypeArguments(/** @type {ts.TypeReference} */ (returned));
    // The brand of ServerText shows when the alias is the whole reply: name it as declared.
    const reply = checker.typeToString(resolved ?? returned, undefined, flags).replaceAll('string & { readonly [SERVER_TEXT]: true; }', 'ServerText');
    out.set(property.getName(), { signature: `${property.getName()}(${params.join(', ')})`, reply });
  }
  return out;
}

const cell = (s) => s.replaceAll('|', '\\|');

/**
 * The document from its inputs (pure: the test renders it from a live server and compares).
 * @param {{ list: string[], docs: Record<string, Record<string, unknown>>, methods: Record<string, { name: string }>,
 *   signatures: Map<string, { signature: string, reply: string }>, withoutMethod: Record<string, { via?: string, reason: string }>, version: string }} input
 */
export function renderCommandsDoc({ list, docs, methods, signatures, withoutMethod, version }) {
  /** @type {Map<string, Record<string, unknown>>} */
  const docOf = new Map();
  for (const [name, doc] of Object.entries(docs)) {
    docOf.set(name, doc);
    const subcommands = /** @type {Record<string, Record<string, unknown>> | undefined} */ (doc.subcommands);
    for (const [sub, subDoc] of Object.entries(subcommands ?? {})) docOf.set(sub, { group: doc.group, ...subDoc });
  }
  /** @type {Map<string, string[]>} */
  const byCommand = new Map();
  for (const [method, definition] of Object.entries(methods)) {
    const name = definition.name.toLowerCase().replace(' ', '|');
    byCommand.set(name, [...(byCommand.get(name) ?? []), method]);
  }
  const containers = new Set(list.filter((n) => n.includes('|')).map((n) => n.split('|')[0]));
  const commands = list.filter((n) => !containers.has(n)).sort();
  const display = (n) => n.toUpperCase().replace('|', ' ');
  const withMethod = commands.filter((n) => byCommand.has(n));
  const via = commands.filter((n) => !byCommand.has(n) && withoutMethod[n]?.via !== undefined);
  const none = commands.filter((n) => !byCommand.has(n) && withoutMethod[n] !== undefined && withoutMethod[n].via === undefined);
  const uncovered = commands.filter((n) => !byCommand.has(n) && withoutMethod[n] === undefined);
  const lines = [
    '# Commands',
    '',
    `<!-- Generated by \`npm run docs:commands\` (scripts/commands-doc.mjs): do not edit by hand. -->`,
    '',
    `Every command of redis-server ${version}'s \`COMMAND LIST\` (${commands.length} commands and subcommands; containers such as`,
    'CLIENT or XINFO are listed by subcommand): its method on the client, leases, pipelines and transactions, the',
    "method's parameters and reply type (for a client of strings: on a `returnBuffers: true` client or a",
    "`client.with({ returnBuffers: true })` view, strings are Buffers, and typed so), the version that introduced it and",
    'its group. Replies are the same objects under RESP2 and RESP3.',
    '',
    `- ${withMethod.length} have a typed method (${Object.keys(methods).length} methods: some commands have one per reply shape, e.g. \`lPop\` and \`lPopCount\`);`,
    `- ${via.length} are sent by other client APIs (transactions, subscriptions, scripts, the handshake);`,
    `- ${none.length} have no method, each for the reason given below; \`client.call(command, ...args)\` sends any command as given.`,
    ...(uncovered.length > 0 ? [`- ${uncovered.length} are not covered yet: ${uncovered.join(', ')}.`] : []),
    '',
    'Methods on leases only (they change their connection): `select`, `watch`, `unwatch`, `clientSetName`, `clientNoEvict`, `readOnly`, `readWrite`.',
    '',
  ];
  const groups = new Map();
  for (const n of withMethod) {
    const group = String(docOf.get(n)?.group ?? 'other');
    groups.set(group, [...(groups.get(group) ?? []), n]);
  }
  for (const group of [...groups.keys()].sort()) {
    lines.push(`## ${group.replaceAll('_', ' ')}`, '', '| Command | Method | Reply | Since |', '| --- | --- | --- | --- |');
    for (const n of groups.get(group)) {
      for (const method of (byCommand.get(n) ?? []).sort()) {
        const s = signatures.get(method);
        lines.push(`| ${display(n)} | \`${cell(s?.signature ?? method)}\` | \`${cell(s?.reply ?? 'unknown')}\` | ${docOf.get(n)?.since ?? ''} |`);
      }
    }
    lines.push('');
  }
  lines.push('## Sent by other client APIs', '', '| Command | Sent by | Why not a table method | Since |', '| --- | --- | --- | --- |');
  for (const n of via) lines.push(`| ${display(n)} | ${cell(withoutMethod[n].via ?? '')} | ${cell(withoutMethod[n].reason)} | ${docOf.get(n)?.since ?? ''} |`);
  lines.push('', '## Without a method', '', 'Send them with `call()` when you need them: `await lease.call(\'DEBUG\', \'SLEEP\', \'0\')`.', '', '| Command | Why | Since |', '| --- | --- | --- |');
  for (const n of none) lines.push(`| ${display(n)} | ${cell(withoutMethod[n].reason)} | ${docOf.get(n)?.since ?? ''} |`);
  lines.push('');
  return lines.join('\n');
}

/** The inputs from a live server and the sources, rendered. */
export async function generate(client) {
  const { commandTable } = await import('../packages/leanredis/src/commands/index.ts');
  const { WITHOUT_METHOD } = await import('../packages/leanredis/src/commands/without-method.ts');
  const list = await client.commandList();
  const docs = await client.commandDocs();
  const version = (await client.info('server')).server.redis_version;
  return renderCommandsDoc({ list, docs, methods: commandTable().methods, signatures: methodSignatures(), withoutMethod: WITHOUT_METHOD, version });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { startRedisServer } = await import('../packages/leanredis/test/helpers/redis-server.ts');
  const { createClient } = await import('../packages/leanredis/src/index.ts');
  const server = await startRedisServer();
  const client = createClient(server.url);
  try {
    writeFileSync(COMMANDS_DOC, await generate(client));
    console.log(`wrote ${COMMANDS_DOC}`);
  } finally {
    await client.close();
    await server.stop();
  }
}
