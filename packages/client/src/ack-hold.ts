/**
 * Delivers a connection's packets in order, but holds what follows an ack until the next macrotask. The
 * server writes a subscribe's ack, confirmation and snapshot together, so they are read together; the ack
 * resolves a promise whose awaiter continues in microtasks, and only a macrotask comes after those: a
 * listener added right after `await client.subscribePrices(…)` is there when the snapshot is delivered.
 * Packets that arrive during a hold join it, behind the held ones; nothing is dropped or reordered.
 */
export class AckHold<T> {
  readonly #deliver: (packet: T) => void;
  readonly #isAck: (packet: T) => boolean;
  /** Packets held until the next macrotask; undefined: none held. */
  #held: T[] | undefined;

  constructor(deliver: (packet: T) => void, isAck: (packet: T) => boolean) {
    this.#deliver = deliver;
    this.#isAck = isAck;
  }

  /** Delivers `packet` now, or behind the held ones; holds what follows it if it is an ack. */
  push(packet: T): void {
    if (this.#held !== undefined) {
      this.#held.push(packet);
      return;
    }
    this.#deliver(packet);
    if (this.#isAck(packet)) {
      this.#held = [];
      setTimeout(() => this.#release(), 0);
    }
  }

  /** Delivers the held packets now (the connection is closing: what arrived before the close comes before it). */
  flush(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const packet of held) this.#deliver(packet);
  }

  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    // push holds again after an ack among them: the rest joins that hold, still in order.
    for (const packet of held) this.push(packet);
  }
}
