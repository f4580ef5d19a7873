/** A listener of an event whose payload is `T`. */
export type Listener<T> = (payload: T) => void;

/**
 * A small typed emitter with no Node built-ins, so it runs in browsers. One payload per event.
 * A throwing listener never breaks delivery to the others: it goes to `onListenerError`.
 */
export class TypedEmitter<TEvents extends object> {
  readonly #listeners = new Map<PropertyKey, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof TEvents>(event: K, listener: Listener<TEvents[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof TEvents>(event: K, listener: Listener<TEvents[K]>): () => void {
    const wrapper: Listener<TEvents[K]> = (payload) => {
      this.off(event, wrapper);
      listener(payload);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof TEvents>(event: K, listener: Listener<TEvents[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    set.delete(listener as Listener<never>);
    if (set.size === 0) this.#listeners.delete(event);
  }

  listenerCount<K extends keyof TEvents>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }

  /** Calls every listener of `event`; returns whether there was any. */
  protected emit<K extends keyof TEvents>(event: K, payload: TEvents[K]): boolean {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        (listener as Listener<TEvents[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    return true;
  }

  /** Where exceptions of listeners go; swallowed unless a subclass reports them. */
  protected onListenerError(_error: unknown, _event: keyof TEvents): void {}
}
