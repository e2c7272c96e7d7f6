// @layer L0 internal
/**
 * A copy of `list` with `item` at the end, sized exactly. For small lists that rarely grow (a
 * pool's shared connections, a decoder's frame stack): the first push() onto an empty array
 * reserves 17 slots (152 bytes), and spreading does the same.
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  const out = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  out[list.length] = item;
  return out;
}
