/** Where a stream's data comes from: its value before anything arrives, and how to start and stop it. */
export interface StreamSource<T> {
  /** The value until the first update; a constant, so snapshots stay referentially stable. */
  readonly initial: T;
  /** Starts the subscription; `update` replaces the value. Returns the function that stops it. */
  start(update: (next: (previous: T) => T) => void): () => void;
}

interface Stream<T> {
  value: T;
  readonly listeners: Set<() => void>;
  stop: (() => void) | undefined;
}

/**
 * One subscription per stream key, shared by every component that reads it, counted by listener and
 * released when the last one goes. Release waits one microtask: StrictMode's mount → unmount → mount of
 * effects (and a component replaced by another reading the same stream in one commit) re-attaches before
 * it runs, so the server sees one subscribe and no unsubscribe/subscribe churn.
 */
export class StreamHub {
  readonly #streams = new Map<string, Stream<unknown>>();

  /** The `subscribe` of `useSyncExternalStore` for `key`; starts the stream with the first listener. */
  subscribe<T>(key: string, source: StreamSource<T>, listener: () => void): () => void {
    let stream = this.#streams.get(key) as Stream<T> | undefined;
    if (!stream) {
      const created: Stream<T> = { value: source.initial, listeners: new Set(), stop: undefined };
      this.#streams.set(key, created as Stream<unknown>);
      created.stop = source.start((next) => {
        if (this.#streams.get(key) !== created) return;
        created.value = next(created.value);
        for (const l of [...created.listeners]) l();
      });
      stream = created;
    }
    const current = stream;
    current.listeners.add(listener);
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size > 0) return;
      queueMicrotask(() => {
        if (current.listeners.size > 0 || this.#streams.get(key) !== current) return;
        this.#streams.delete(key);
        current.stop?.();
      });
    };
  }

  /** The `getSnapshot` of `useSyncExternalStore` for `key`. */
  snapshot<T>(key: string, source: StreamSource<T>): T {
    const stream = this.#streams.get(key) as Stream<T> | undefined;
    return stream ? stream.value : source.initial;
  }

  /** Keys of the streams running now (for tests and devtools). */
  active(): string[] {
    return [...this.#streams.keys()];
  }
}
