/**
 * Globals that bench/ and scripts/ use under Node flags or from Node internals, declared for
 * their type check (tsconfig.tools.json): `process.moduleLoadList` (the list of loaded built-ins
 * that the import probes read).
 */
declare global {
  namespace NodeJS {
    interface Process {
      readonly moduleLoadList: readonly string[];
    }
  }
}
export {};
