/** Scenario ids in run order (each is bench/scenarios/<id>.mjs). */
export const SCENARIOS = ['import', 'unused', 'idle100', 'seq', 'concurrent100', 'get50', 'pipeline100', 'alloc', 'gc', 'callers2000', 'get1mib', 'codec', 'prometheus', 'frozen-sleep', 'frozen-pause', 'frozen-stall'];
