// @layer L0 internal
/*
 * A FIFO on a power-of-two ring. shift() is O(1) and allocation-free, unlike Array#shift on
 * long arrays; the ring grows by doubling, and once a burst is over (the queue empties) a ring
 * grown past SHRINK_ABOVE goes back to its minimum, so an idle connection does not keep a
 * burst-sized array alive. Shrinking only when empty avoids resizing back and forth under a
 * steady load that hovers around a power of two.
 */

const MIN_CAPACITY = 4;
const SHRINK_ABOVE = 256;
// Shared by every empty queue that never held anything: an idle connection (two queues) or a
// pool without waiters allocates no ring until its first push. Never written to (capacity 0).
const NONE: never[] = [];

/** First-in first-out queue with O(1) push and shift. */
export class RingQueue<T> {
  #items: (T | undefined)[] = NONE;
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) this.#resize(Math.max(MIN_CAPACITY, this.#items.length * 2));
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
  }

  /** Puts an item back at the head (it will be the next one shifted). */
  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#resize(Math.max(MIN_CAPACITY, this.#items.length * 2));
    this.#head = (this.#head - 1 + this.#items.length) & (this.#items.length - 1);
    this.#items[this.#head] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    if (--this.#length === 0 && this.#items.length > SHRINK_ABOVE) {
      this.#items = new Array(MIN_CAPACITY);
      this.#head = 0;
    }
    return item;
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** The item at position `i` from the head (0 = next to shift). */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#length ? undefined : this.#items[(this.#head + i) & (this.#items.length - 1)];
  }

  /** Keeps only the items `keep` accepts, in order (O(n); for rare clean-ups, not the hot path). */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.#length; i++) {
      const item = this.at(i) as T;
      if (keep(item)) kept.push(item);
    }
    if (kept.length === this.#length) return;
    let capacity = MIN_CAPACITY;
    while (capacity < kept.length) capacity *= 2;
    this.#items = kept.length === 0 ? NONE : new Array(capacity);
    for (let i = 0; i < kept.length; i++) this.#items[i] = kept[i];
    this.#head = 0;
    this.#length = kept.length;
  }

  /** Removes every item and returns them in order. */
  drain(): T[] {
    const out: T[] = new Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.at(i) as T;
    this.#items = NONE;
    this.#head = 0;
    this.#length = 0;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.at(i) as T;
  }

  #resize(capacity: number): void {
    const next: (T | undefined)[] = new Array(capacity);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) & (this.#items.length - 1)];
    this.#items = next;
    this.#head = 0;
  }
}
