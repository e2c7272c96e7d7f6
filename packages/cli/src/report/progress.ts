/**
 * A one-line progress indicator on stderr, drawn only when stderr is a terminal: in a pipe, a
 * file or CI the doctor stays quiet and stdout carries only the result. Redraws are throttled
 * (10 per second), so a fast loop reporting each step costs almost nothing.
 */
import type { OutputStream } from '../command.js';

/** Minimum time between two redraws. */
const REDRAW_INTERVAL_MS = 100;

/** Progress line; every method is a no-op when the stream is not a terminal. */
export class Progress {
  readonly #stream: OutputStream;
  readonly #enabled: boolean;
  #lastDrawMs = 0;
  #shown = false;

  /** @param stream where to draw (stderr); drawn only when `stream.isTTY` and `enabled` is not false. */
  constructor(stream: OutputStream, enabled = true) {
    this.#stream = stream;
    this.#enabled = enabled && stream.isTTY === true;
  }

  /** Whether anything will be drawn. */
  get isEnabled(): boolean {
    return this.#enabled;
  }

  /** Replaces the line with `text` (cut to the terminal width). Throttled unless `force`. */
  update(text: string, force = false): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && this.#shown && now - this.#lastDrawMs < REDRAW_INTERVAL_MS) return;
    this.#lastDrawMs = now;
    const width = (this.#stream.columns ?? 80) - 1;
    // \r back to column 0, ESC[K clears what a longer previous line left behind.
    this.#stream.write(`\r${text.length > width ? text.slice(0, width) : text}\x1b[K`);
    this.#shown = true;
  }

  /** Erases the line, so the result that follows starts clean. */
  clear(): void {
    if (!this.#shown) return;
    this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }
}
