/** Bitmap commands. */

export const bitmapCommands = {};
