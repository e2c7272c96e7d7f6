/** Scripting commands. */

export const scriptingCommands = {};
