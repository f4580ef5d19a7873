import { type Clock, systemClock } from '../clock.js';

/** setTimeout fires at once for delays above 2^31-1 ms; longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Many deadlines on one timer, for per-connection deadlines such as token expiry: a setTimeout per
 * connection costs a Timeout, a closure and its context (several hundred bytes each) for every client.
 * Items are grouped by due time (epoch ms; an item alone is stored as itself, several share a Set), the due
 * times sit in a binary min-heap, and one timer of `clock` (unref'd, by default) is armed for the earliest. An item is due at most
 * once per `schedule`; `cancel` needs the same `at`. Items must be objects and must not be Sets.
 */
export class DeadlineTimer<T extends object> {
  readonly #onDue: (item: T) => void;
  readonly #clock: Clock;
  readonly #due = new Map<number, T | Set<T>>();
  /** Due times, a min-heap; may hold times whose items were all cancelled (skipped when reached). */
  readonly #heap: number[] = [];
  /** The armed timer's handle (the clock's). */
  #timer: unknown;
  /** When the armed timer fires (epoch ms). */
  #armedFor = Number.POSITIVE_INFINITY;
  #size = 0;

  /** `clock` supplies the time and the timer; tests pass one they advance by hand. */
  constructor(onDue: (item: T) => void, clock: Clock = systemClock) {
    this.#onDue = onDue;
    this.#clock = clock;
  }

  /** Items scheduled and not yet due or cancelled. */
  get size(): number {
    return this.#size;
  }

  /** `item` becomes due at `at` (epoch ms); a time already past is due on the next timer turn. */
  schedule(item: T, at: number): void {
    const bucket = this.#due.get(at);
    if (bucket === undefined) {
      this.#due.set(at, item);
      this.#push(at);
    } else if (bucket instanceof Set) {
      if (bucket.has(item)) return;
      bucket.add(item);
    } else {
      if (bucket === item) return;
      this.#due.set(at, new Set([bucket, item]));
    }
    this.#size++;
    if (at < this.#armedFor) this.#arm();
  }

  /** Forgets `item`'s deadline at `at`; nothing when it is not scheduled there. */
  cancel(item: T, at: number): void {
    const bucket = this.#due.get(at);
    if (bucket === undefined) return;
    if (bucket instanceof Set) {
      if (!bucket.delete(item)) return;
      if (bucket.size === 1) this.#due.set(at, bucket.values().next().value as T);
    } else {
      if (bucket !== item) return;
      this.#due.delete(at);
      // Cancelled times stay in the heap until reached; rebuild it when they outnumber the live ones.
      if (this.#heap.length > 64 && this.#heap.length > 2 * this.#due.size) this.#rebuild();
    }
    this.#size--;
  }

  /** Cancels everything and stops the timer. */
  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#due.clear();
    this.#heap.length = 0;
    this.#size = 0;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    let failure: { err: unknown } | undefined;
    while (this.#heap.length > 0 && (this.#heap[0] as number) <= now) {
      const at = this.#pop();
      const bucket = this.#due.get(at);
      if (bucket === undefined) continue;
      // Taken out first: a callback may cancel or schedule (a disconnect cancels the socket's other deadlines).
      this.#due.delete(at);
      for (const item of bucket instanceof Set ? bucket : [bucket]) {
        this.#size--;
        try {
          this.#onDue(item);
        } catch (err) {
          // One failing item must not stop the others; the first error is rethrown once the timer is re-armed.
          failure ??= { err };
        }
      }
    }
    this.#arm();
    if (failure) throw failure.err;
  }

  #arm(): void {
    while (this.#heap.length > 0 && !this.#due.has(this.#heap[0] as number)) this.#pop();
    const next = this.#heap[0];
    if (next === this.#armedFor) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    if (next === undefined) return;
    const now = this.#clock.now();
    const delay = Math.max(0, next - now);
    // Beyond the cap the timer wakes early, finds nothing due and re-arms.
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.min(delay, MAX_TIMEOUT_MS));
    this.#armedFor = delay > MAX_TIMEOUT_MS ? now + MAX_TIMEOUT_MS : next;
  }

  #rebuild(): void {
    const heap = this.#heap;
    heap.length = 0;
    for (const at of this.#due.keys()) heap.push(at);
    heap.sort((a, b) => a - b);
  }

  #push(at: number): void {
    const heap = this.#heap;
    let i = heap.push(at) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= at) break;
      heap[i] = heap[parent] as number;
      i = parent;
    }
    heap[i] = at;
  }

  #pop(): number {
    const heap = this.#heap;
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as number) < (heap[left] as number) ? right : left;
      if ((heap[child] as number) >= last) break;
      heap[i] = heap[child] as number;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
