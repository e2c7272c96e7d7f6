// @layer L1 resp
/*
 * Large bulks that span chunks are joined into a slab shared by every decoder in the process,
 * instead of a fresh allocation per reply: fresh memory for every 1 MiB reply costs a page
 * fault per 4 KiB (measured: ~250 faults and ~30% of throughput per 1 MiB GET; with the slab,
 * ~30). A Buffer reply is a view of the slab, so a region handed out is never written again,
 * and a slab is at most twice the size of any reply placed in it: no view keeps more than twice
 * its size alive. A reply decoded to a string leaves nothing pointing into its region, which is
 * then reused. Slabs above KEEP_BYTES serve one Buffer reply and are dropped, so a rare huge
 * reply does not leave a huge slab behind. Decoding is synchronous, so one slab serves all.
 */

/** Bulks smaller than this are joined with a plain Buffer.concat. */
export const JOIN_SLAB_MIN_BYTES = 64 * 1024;
const KEEP_BYTES = 16 * 1024 * 1024;

class JoinSlab {
  /** The slab the last join() wrote into. */
  buffer: Buffer = Buffer.alloc(0);
  #offset = 0;

  /** Copies `parts` (`total` bytes) into the slab; returns where they start in `buffer`. */
  join(parts: readonly Buffer[], total: number): number {
    const slab = this.buffer;
    if (slab.length - this.#offset < total || total * 2 < slab.length) {
      this.buffer = Buffer.allocUnsafeSlow(total * 2);
      this.#offset = 0;
    }
    const start = this.#offset;
    for (let i = 0; i < parts.length; i++) this.#offset += parts[i].copy(this.buffer, this.#offset);
    return start;
  }

  /** The reply joined at `start` was delivered: reuse its region unless a view of it escaped. */
  done(start: number, hasView: boolean): void {
    if (!hasView) this.#offset = start;
    else if (this.buffer.length > KEEP_BYTES) {
      this.buffer = Buffer.alloc(0);
      this.#offset = 0;
    }
  }
}

/** The process-wide slab. */
export const joinSlab = new JoinSlab();
