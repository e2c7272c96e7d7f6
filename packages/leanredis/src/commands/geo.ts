/** Geo commands. */

export const geoCommands = {};
