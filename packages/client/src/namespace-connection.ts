import type {
  ClientToServerEvents,
  ConnectionAuthenticated,
  NamespaceName,
  ServerToClientEvents,
  UserRecoverySince,
} from '@ws/protocol';
import type { ClientSocket, SocketManager } from './socket-manager.js';
import { TradingClientError } from './trading-client-error.js';

type ServerEvent<N extends NamespaceName> = keyof ServerToClientEvents<N> & string;
type ClientEvent<N extends NamespaceName> = keyof ClientToServerEvents<N> & string;

/** A namespace's socket, typed by the protocol's event maps of that namespace. */
export interface NamespaceSocket<N extends NamespaceName = NamespaceName> {
  readonly connected: boolean;
  on<E extends ServerEvent<N>>(event: E, listener: ServerToClientEvents<N>[E]): unknown;
  once<E extends ServerEvent<N>>(event: E, listener: ServerToClientEvents<N>[E]): unknown;
  off<E extends ServerEvent<N>>(event: E, listener: ServerToClientEvents<N>[E]): unknown;
  emit<E extends ClientEvent<N>>(
    event: E,
    ...args: ClientToServerEvents<N>[E] extends (...args: infer A) => void ? A : never
  ): unknown;
  /** The next emit's ack gets an Error first: null, or why no answer came (timeout, disconnect). */
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
}

/**
 * One namespace's lifecycle. `idle`: created, never asked for. `connecting`: a CONNECT is under way.
 * `connected`. `disconnected`: wanted but not connected (dropped, or waiting for the client's next
 * reconnect attempt). `refused`: the server refused these credentials (UNAUTHORIZED / FORBIDDEN); not
 * retried until asked again. `closed`: final.
 */
export type NamespaceState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

/** The only transitions a namespace makes; anything else is a bug and is ignored. */
export const NAMESPACE_TRANSITIONS: Readonly<Record<NamespaceState, readonly NamespaceState[]>> = {
  idle: ['disconnected', 'connecting', 'closed'],
  disconnected: ['connecting', 'closed'],
  connecting: ['connected', 'disconnected', 'refused', 'closed'],
  connected: ['disconnected', 'closed'],
  refused: ['disconnected', 'connecting', 'closed'],
  closed: [],
};

/** What the handshake sends as `auth` (a closed object on the server: nothing else is accepted). */
export interface HandshakeAuth {
  /** The JWT, when the client has one. */
  token?: string;
  /** `/user` reconnects only: the last seq seen per private stream, so the server replays what was missed. */
  since?: UserRecoverySince;
}

/** What a namespace reports to the client that owns it. */
export interface NamespaceHost {
  /** The handshake `auth` of the next (re)connect of `ns`. */
  handshakeAuth_(ns: NamespaceConnection): HandshakeAuth;
  onConnect_(ns: NamespaceConnection, restore: boolean): void;
  /** A refusal with a server code (`error`), or a transport failure (`error` null, `message` says why). */
  onConnectError_(ns: NamespaceConnection, error: TradingClientError | null, message: string): void;
  onDisconnect_(ns: NamespaceConnection, reason: string): void;
  onAuthenticated_(ns: NamespaceConnection, payload: ConnectionAuthenticated, first: boolean): void;
  /** Every other server event (streams, `system.message`, `error`). */
  onEvent_(ns: NamespaceConnection, event: string, payload: unknown): void;
}

interface Waiter {
  resolve: (socket: NamespaceSocket) => void;
  reject: (error: TradingClientError) => void;
}

/**
 * One namespace of the shared Manager: its socket, its explicit state, the requests waiting for it to
 * connect, and what the server said about this connection (`connection.authenticated`).
 */
export class NamespaceConnection<N extends NamespaceName = NamespaceName> {
  readonly socket: NamespaceSocket<N>;
  readonly #socket: ClientSocket;
  #state: NamespaceState = 'idle';
  /** Successful connects so far; more than one means the current connection is a restore. */
  #connects = 0;
  #authenticated: ConnectionAuthenticated | null = null;
  /** The user of the last `connection.authenticated`; kept across drops for `/user` recovery. */
  #userId: string | null = null;
  #lastError: TradingClientError | undefined;
  readonly #waiters = new Set<Waiter>();

  constructor(
    readonly name: N,
    manager: SocketManager,
    host: NamespaceHost,
    streams: readonly string[],
  ) {
    // `auth` is a function, so every (re)connect sends the current token and, on /user, what was seen so far.
    const socket = manager.socket(name, { auth: (cb) => cb(host.handshakeAuth_(this)) });
    this.#socket = socket;
    this.socket = socket as unknown as NamespaceSocket<N>;
    // Listeners are registered untyped: one loop over the namespace's stream names, each routed by name.
    socket.on('connect', () => {
      const restore = this.#connects++ > 0;
      this.#authenticated = null;
      this.#lastError = undefined;
      this.#to('connected');
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const w of waiters) w.resolve(this.socket as NamespaceSocket);
      host.onConnect_(this, restore);
    });
    socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => {
      if (this.#state === 'closed') return;
      const data = err.data;
      if (data && typeof data === 'object' && typeof data.code === 'string') {
        const error = TradingClientError.fromPayload(data, { namespace: name });
        this.#lastError = error;
        const refused = error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN';
        this.#to(refused ? 'refused' : 'disconnected');
        this.#rejectWaiters(error);
        host.onConnectError_(this, error, error.message);
        return;
      }
      const message = err.message || 'connection failed';
      this.#lastError = new TradingClientError('DISCONNECTED', message, { namespace: name, cause: err });
      this.#to('disconnected');
      host.onConnectError_(this, null, message);
    });
    socket.on('disconnect', (reason: string) => {
      this.#authenticated = null;
      // The Manager closing also ends a CONNECT under way; either way the namespace waits for the next attempt.
      if (this.wanted_) this.#to('disconnected');
      host.onDisconnect_(this, reason);
    });
    socket.on('connection.authenticated', (payload: ConnectionAuthenticated) => {
      const first = this.#authenticated === null;
      this.#authenticated = payload;
      if (payload && typeof payload.userId === 'string') this.#userId = payload.userId;
      host.onAuthenticated_(this, payload, first);
    });
    for (const event of ['system.message', 'error', ...streams]) {
      socket.on(event, (payload: unknown) => host.onEvent_(this, event, payload));
    }
  }

  get state(): NamespaceState {
    return this.#state;
  }

  /** In use: connected, or to be (re)connected. */
  get wanted_(): boolean {
    return this.#state === 'connecting' || this.#state === 'connected' || this.#state === 'disconnected';
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Successful connects so far. */
  get connects_(): number {
    return this.#connects;
  }

  get authenticated_(): ConnectionAuthenticated | null {
    return this.#authenticated;
  }

  get userId_(): string | null {
    return this.#userId;
  }

  /** Marks the namespace as wanted, without connecting yet (the client's reconnect attempt will). */
  want_(): void {
    if (this.#state === 'idle' || this.#state === 'refused') this.#to('disconnected');
  }

  /** Starts a connect unless one is under way or the namespace is connected. */
  connect(): void {
    if (!this.#to('connecting')) return;
    // A socket that survived a drop is still registered with the Manager: opening the Manager reconnects it.
    if (this.#socket.active) this.#socket.io.open();
    else this.#socket.connect();
  }

  /**
   * The attempt failed without a word from socket.io (the engine closed inside its handshake): leaves the
   * Manager through the public `disconnect()` — the Manager closes once no namespace is left on it — so the
   * next `connect()` opens a new engine.
   */
  abort_(message: string): void {
    if (this.#state !== 'connecting') return;
    this.#lastError = new TradingClientError('DISCONNECTED', message, { namespace: this.name });
    this.#socket.disconnect();
    this.#to('disconnected');
  }

  /** Resolves with the socket once connected; rejects on a refusal, `close()`, or after `timeoutMs`. */
  ready_(timeoutMs: number, event?: string): Promise<NamespaceSocket<N>> {
    if (this.#socket.connected) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new TradingClientError('TIMEOUT', `${this.name} did not connect within ${timeoutMs} ms`, {
            namespace: this.name,
            event,
            cause: this.#lastError,
          }),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: (socket) => {
          clearTimeout(timer);
          resolve(socket as NamespaceSocket<N>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Releases the socket of a namespace that is no longer wanted (the client gave up connecting). */
  release_(): void {
    if (this.#socket.active) this.#socket.disconnect();
  }

  /** Final: rejects every waiter with `error` and disconnects the socket (the Manager closes with its last socket). */
  close(error: TradingClientError): void {
    this.#to('closed');
    this.#rejectWaiters(error);
    this.#socket.disconnect();
  }

  #to(next: NamespaceState): boolean {
    if (!NAMESPACE_TRANSITIONS[this.#state].includes(next)) return false;
    this.#state = next;
    return true;
  }

  #rejectWaiters(error: TradingClientError): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.reject(error);
  }
}
