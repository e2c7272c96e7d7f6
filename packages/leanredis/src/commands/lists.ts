/** List commands. */

export const listCommands = {};
