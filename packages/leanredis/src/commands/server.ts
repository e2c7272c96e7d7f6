/** Server and connection commands. */

export const serverCommands = {};
