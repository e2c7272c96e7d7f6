/** HyperLogLog commands. */

export const hyperLogLogCommands = {};
