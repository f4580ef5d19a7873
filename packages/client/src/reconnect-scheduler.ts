import { backoffDelay } from './backoff.js';

const MAX_TIMER_MS = 2_147_483_647;

/**
 * When the next reconnect attempt runs: full-jitter backoff per failed attempt, at least what a refusal
 * asked for (`retryAfterMs`), and at least the delay a draining server announced. One attempt is
 * pending at a time; a successful connect resets the backoff.
 *
 * A shutting-down server sends `system.message` type `reconnect` on every namespace of the connection,
 * each with its own jittered `reconnectAfterMs`. They are one hint: the first one of a shutdown is
 * kept (and reported to the app), the others are dropped, until the client is connected again.
 */
export class ReconnectScheduler {
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The announced delay of the current shutdown, until a reconnect consumes it. */
  #drainDelayMs = 0;
  /** A shutdown hint was taken since the client was last fully connected. */
  #hinted = false;

  readonly #minMs: number;
  readonly #maxMs: number;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
  }

  get pending_(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Takes a server's reconnect hint. True for the first hint of a shutdown (report it); false for the
   * same shutdown heard again on another namespace (drop it: its different delay is not honoured).
   */
  hint_(reconnectAfterMs: number): boolean {
    if (this.#hinted) return false;
    this.#hinted = true;
    this.#drainDelayMs = Math.max(0, reconnectAfterMs);
    return true;
  }

  /** Schedules `run` unless an attempt is pending; returns the delay (ms), or undefined when one was pending. */
  schedule_(run: () => void, minDelayMs = 0): number | undefined {
    if (this.#timer !== undefined) return undefined;
    const jitter = backoffDelay(this.#attempt++, this.#minMs, this.#maxMs);
    const delay = Math.min(MAX_TIMER_MS, Math.max(jitter, minDelayMs, this.#drainDelayMs));
    this.#drainDelayMs = 0;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      run();
    }, delay);
    return delay;
  }

  /** Every wanted namespace is connected: the next drop starts the backoff (and a new shutdown) afresh. */
  connected_(): void {
    this.#attempt = 0;
    this.#hinted = false;
  }

  cancel_(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
