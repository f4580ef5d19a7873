/**
 * The frames due to each connection during one delivery batch (the items of one publish request, the
 * messages of one Redis read), written at its end with one system call per connection instead of one per
 * frame. The bytes on the wire are the same frames in the same order.
 *
 * `K` is the connection (its Engine.IO socket); `write` gets its frames in order. A connection with frames
 * pending stays on the batch path for the rest of the batch; anything else that writes to it in between
 * (Engine.IO, `socket.emit`) must call `flushOne` first, so nothing overtakes the pending frames.
 */
export class FrameWriteBatch<K extends object> {
  readonly #write: (key: K, frames: Buffer[]) => void;
  readonly #pending = new Map<K, Buffer[]>();
  readonly #afterFlush: (() => void)[] = [];
  #depth = 0;
  #turnOpen = false;
  /** Told how long each batch's writes took (ms): the overload budget counts them like direct writes. */
  onWriteTime: ((ms: number) => void) | undefined;

  constructor(write: (key: K, frames: Buffer[]) => void) {
    this.#write = write;
  }

  /** Whether frames are being collected now. */
  get open(): boolean {
    return this.#depth > 0;
  }

  /** Connections with frames pending. */
  get size(): number {
    return this.#pending.size;
  }

  /** Runs `fn` as (part of) one batch; the outermost call writes everything collected before it returns. */
  run<T>(fn: () => T): T {
    this.#depth++;
    try {
      return fn();
    } finally {
      if (--this.#depth === 0) this.flush();
    }
  }

  /**
   * Opens a batch that ends when the current synchronous run does (a microtask), for deliveries that arrive
   * as separate calls from one read (the bus). Idempotent until then.
   */
  openForTurn(): void {
    if (this.#turnOpen) return;
    this.#turnOpen = true;
    this.#depth++;
    queueMicrotask(() => {
      this.#turnOpen = false;
      if (--this.#depth === 0) this.flush();
    });
  }

  /** The connection's pending frames, if it has any (then its next frames must be appended: `add`). */
  pendingOf(key: K): Buffer[] | undefined {
    return this.#pending.get(key);
  }

  /** Appends `frames` to the connection's pending ones. Only while `open`. */
  add(key: K, frames: readonly Buffer[]): void {
    const list = this.#pending.get(key);
    if (list === undefined) this.#pending.set(key, [...frames]);
    else for (const f of frames) list.push(f);
  }

  /** Runs `fn` once the current batch is written (now, when none is open): latency is timed at the write. */
  afterFlush(fn: () => void): void {
    if (this.#depth === 0) fn();
    else this.#afterFlush.push(fn);
  }

  /** Writes the connection's pending frames now (before something else is written to it). */
  flushOne(key: K): void {
    const list = this.#pending.get(key);
    if (list === undefined) return;
    this.#pending.delete(key);
    this.#write(key, list);
  }

  /** Writes every connection's pending frames, in the order the connections got their first frame. */
  flush(): void {
    if (this.#pending.size > 0) {
      const started = performance.now();
      // Entries are deleted as they are written: a write that re-enters (flushOne) finds nothing twice.
      for (const [key, list] of this.#pending) {
        this.#pending.delete(key);
        this.#write(key, list);
      }
      this.onWriteTime?.(performance.now() - started);
    }
    if (this.#afterFlush.length > 0) {
      const callbacks = this.#afterFlush.splice(0);
      for (const fn of callbacks) fn();
    }
  }
}
