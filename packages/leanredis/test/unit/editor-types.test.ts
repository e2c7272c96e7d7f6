/**
 * What an editor shows, asked of the TypeScript language service as an editor asks it: hovering
 * a command method on the client, a pipeline, a transaction or a lease shows its documentation
 * and its resolved reply type, and go-to-definition lands on the method's declaration in its
 * family file. Also checks that every typed method takes as many arguments as its definition
 * accepts at run time (the compiler checks the types; this checks the count).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { commandTable } from '../../src/commands/index.ts';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

const USAGE = `import { createClient, type CommandMethods, type LeaseCommandMethods, type PromiseKind } from ${JSON.stringify(join(src, 'index.ts'))};
export type AllMethods = CommandMethods<PromiseKind<string>> & LeaseCommandMethods<PromiseKind<string>>;
const client = createClient();
export async function use(): Promise<void> {
  await client.get('k');
  await client.pipeline().get('k').incr('n').exec();
  await client.multi().set('k', 'v').exec();
  await client.with({ returnBuffers: true }).get('k');
  await client.watch('k', (tx) => tx.multi().incr('k'));
  await using lease = await client.acquire();
  await lease.blPop('jobs', 1);
  await lease.multi().get('k').exec();
  await lease.select(1);
}
`;

function languageService(dir: string, file: string): ts.LanguageService {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    strict: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
    getCurrentDirectory: () => dir,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

// One language service for both tests: building its program is most of their time.
const file = join(src, '..', 'test', 'unit', `.editor-usage-${process.pid}.ts`);
let service: ts.LanguageService;

before(() => {
  // Inside the repository so that @types/node resolves from its node_modules.
  writeFileSync(file, USAGE);
  service = languageService(dirname(file), file);
});

after(() => rmSync(file, { force: true }));

test('hover shows the documentation and the resolved reply of client, pipeline, transaction and lease methods; go-to-definition finds them', () => {
  const at = (needle: string, offset: number): number => {
    const i = USAGE.indexOf(needle);
    assert.ok(i >= 0, needle);
    return i + offset;
  };
  const cases: [where: string, position: number, doc: RegExp, signature: RegExp][] = [
    ['client.get', at('client.get', 7), /^GET key: the value, or null when the key does not exist\./, /get\(key: Key\): Promise<string \| null>/],
    ['pipeline().get', at('pipeline().get', 11), /^GET key/, /get\(key: Key\): Pipeline<\[string \| null\], string>/],
    ['multi().set', at('multi().set', 8), /^SET key value/, /set\(key: Key, value: Value, options\?: SetOptions\): Multi<\["OK" \| null\], string>/],
    ['with().get', at('true }).get', 9), /^GET key: the value, or null when the key does not exist\./, /get\(key: Key\): Promise<Buffer(<ArrayBufferLike>)? \| null>/],
    ['client.watch', at('client.watch', 7), /^Optimistic transaction: WATCHes/, /watch<\[number\]>\(keys: Keys, body: \(tx: Lease<string>\) => .*\): Promise<\[number\]>/],
    ['lease.multi().get', at('lease.multi().get', 14), /^GET key/, /get\(key: Key\): LeaseMulti<\[string \| null\], string>/],
    ['lease.blPop', at('lease.blPop', 6), /^BLPOP key \[key \.\.\.\] timeout/, /blPop\(keys: Keys, timeoutSeconds: number\): Promise<KeyElement \| null>/],
    ['lease.select', at('lease.select', 6), /^SELECT index/, /select\(database: number\): Promise<"OK">/],
  ];
  for (const [where, position, doc, signature] of cases) {
    const info = service.getQuickInfoAtPosition(file, position);
    assert.ok(info !== undefined, `${where}: no quick info`);
    assert.match(ts.displayPartsToString(info.documentation), doc, `${where}: documentation`);
    assert.match(ts.displayPartsToString(info.displayParts), signature, `${where}: signature`);
    const definitions = service.getDefinitionAtPosition(file, position) ?? [];
    assert.ok(definitions.length > 0 && definitions.every((d) => d.fileName.includes(where === 'client.watch' ? '/src/client/' : '/src/commands/')), `${where}: definition in ${definitions.map((d) => d.fileName).join(', ')}`);
  }
  assert.deepEqual(service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
});

test('every typed method takes as many arguments as its definition accepts at run time', () => {
  const program = service.getProgram();
  assert.ok(program !== undefined);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source !== undefined);
  const alias = source.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'AllMethods');
  assert.ok(alias !== undefined);
  const counts = new Map<string, number>();
  for (const member of checker.getTypeAtLocation(alias.name).getProperties()) {
    const signatures = checker.getTypeOfSymbolAtLocation(member, alias).getCallSignatures();
    assert.equal(signatures.length, 1, `${member.name}: one signature`);
    counts.set(member.name, signatures[0].getParameters().length);
  }
  const methods = commandTable().methods;
  assert.deepEqual([...counts.keys()].sort(), Object.keys(methods).sort(), 'the interfaces and the table have the same methods');
  const wrong = [...counts].filter(([m, n]) => methods[m].arity !== n).map(([m, n]) => `${m}: typed with ${n}, accepts ${methods[m].arity}`);
  assert.deepEqual(wrong, []);
});
