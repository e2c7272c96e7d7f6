// Fresh-process probe: Node built-in modules that `import(<spec>)` loads (process.moduleLoadList
// before and after). Their heap counts in the import's heap figure although they are not files.
const before = new Set(process.moduleLoadList);
await import(process.argv[2]);
const added = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
process.stdout.write(`${JSON.stringify({ builtins: added.filter((m) => !m.startsWith('internal/')), internal: added.length })}\n`);
process.exit(0);
