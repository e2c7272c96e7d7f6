/**
 * Module customization hooks (registered by import-files.mjs through module.register): reports
 * every file: URL the ESM loader loads to the main thread. CommonJS files required from
 * CommonJS do not pass through these hooks on Node 20, so the probe adds require.cache.
 */
let port;
export function initialize(data) {
  port = data.port;
}
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (url.startsWith('file:')) port.postMessage(url);
  return result;
}
