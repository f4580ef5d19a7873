import type { TradingClientErrorCode } from './trading-client-error.js';

/** The client's connection state. `closed` is final. */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Payload of the `state` event: every transition says why. */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Why: an error code (UNAUTHORIZED, DISCONNECTED, CLOSED…), or null for a normal step. */
  code: TradingClientErrorCode | null;
  /** Human-readable reason, e.g. the transport's close reason. */
  reason: string;
  /** With `reconnecting`: in how many ms the reconnect attempt runs (backoff, `retryAfterMs` or a server's drain hint). */
  retryInMs?: number;
}

const allowed: Record<ConnectionState, readonly ConnectionState[]> = {
  disconnected: ['connecting', 'closed'],
  connecting: ['connected', 'reconnecting', 'disconnected', 'closed'],
  connected: ['reconnecting', 'disconnected', 'closed'],
  reconnecting: ['connected', 'connecting', 'disconnected', 'closed'],
  closed: [],
};

/** The explicit state machine: only the transitions in the table happen; anything else is ignored. */
export class ConnectionStateMachine {
  #state: ConnectionState = 'disconnected';

  get current(): ConnectionState {
    return this.#state;
  }

  canTransition(next: ConnectionState): boolean {
    return allowed[this.#state].includes(next);
  }

  /** Moves to `next` and returns the change, or null when the table does not allow it. */
  transition(
    next: ConnectionState,
    code: TradingClientErrorCode | null,
    reason: string,
    retryInMs?: number,
  ): StateChange | null {
    if (!this.canTransition(next)) return null;
    const previous = this.#state;
    this.#state = next;
    return retryInMs === undefined
      ? { state: next, previous, code, reason }
      : { state: next, previous, code, reason, retryInMs };
  }
}
