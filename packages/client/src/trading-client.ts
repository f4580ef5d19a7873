import type {
  ConnectionAuthenticated,
  MarketChannel,
  MarketDepth,
  NamespaceName,
  ServerToClientEvents,
  SystemMessage,
} from '@ws/protocol';
import { streamEventsOf } from '@ws/protocol/runtime';
import { type AdminApi, createAdminApi } from './admin-api.js';
import { backoffDelay } from './backoff.js';
import { type ConnectionState, ConnectionStateMachine } from './connection-state.js';
import { HandshakeWatch } from './handshake-watch.js';
import {
  type HandshakeAuth,
  NamespaceConnection,
  type NamespaceHost,
  type NamespaceSocket,
} from './namespace-connection.js';
import type { LiveOrderBook } from './order-book.js';
import { ReconnectScheduler } from './reconnect-scheduler.js';
import { type RequestEvent, type RequestPayload, type RequestResult, sendRequest } from './request.js';
import type { SocketManager } from './socket-manager.js';
import { StreamRouter } from './stream-router.js';
import { SubscriptionRegistry, type SubscriptionSet } from './subscription-registry.js';
import { SystemMessageFilter } from './system-message-filter.js';
import { TokenRefresher } from './token-refresher.js';
import { TradingClientError, type TradingClientErrorCode } from './trading-client-error.js';
import { type TradingClientEvents, USER_EVENTS } from './trading-client-events.js';
import {
  type ResolvedTradingClientOptions,
  resolveOptions,
  type TradingClientOptions,
} from './trading-client-options.js';
import { type Listener, TypedEmitter } from './typed-emitter.js';
import { webSocketManager } from './websocket-manager.js';

export type { AdminApi } from './admin-api.js';
export type { SubscriptionSet } from './subscription-registry.js';

/** One `ping` round trip. */
export interface PingSample {
  /** Round-trip time (ms). */
  rtt: number;
  /** Server clock minus local clock (ms), assuming a symmetric path. */
  offset: number;
}

/** Round-trip times of recent pings (ms). */
export interface Latency {
  last: number;
  average: number;
}

/** The stream events each namespace delivers (everything else a namespace sends is handled by the client). */
const STREAMS = {
  '/prices': streamEventsOf('/prices'),
  '/market': streamEventsOf('/market'),
  '/user': USER_EVENTS,
  '/admin': ['admin.stats', 'admin.alert'],
} as const satisfies { [N in NamespaceName]: readonly (keyof ServerToClientEvents<N>)[] };

/**
 * Cheap shape check of list arguments; the server validates every field with the protocol's schemas
 * (the compiled validators would more than double the browser bundle).
 */
function assertList(value: unknown, name: string, event: string): asserts value is readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new TradingClientError('INVALID_PAYLOAD', `${event}: ${name} must be a non-empty array of strings`, {
      details: [{ path: `/${name}`, message: 'must be a non-empty array of non-empty strings' }],
      event,
    });
  }
}

/** How long a book waits for the snapshot the server pushes after a subscribe before asking for one. */
const SNAPSHOT_GRACE_MS = 250;
const LATENCY_SAMPLES = 20;

/**
 * The trading gateway SDK, a façade over its parts: one Socket.IO manager (one WebSocket) shared by
 * lazily connected namespaces (`NamespaceConnection`, each with its own state table), one client-wide
 * connection state, reconnects with full-jitter backoff (`ReconnectScheduler`), requests with typed
 * acks (`sendRequest`), subscriptions restored after every reconnect (`SubscriptionRegistry`), stream
 * routing with gap detection (`StreamRouter`), verified order books, and in-band token refresh
 * (`TokenRefresher`).
 */
export class TradingClient extends TypedEmitter<TradingClientEvents> {
  /** `/admin` helpers; need an admin or service token. */
  readonly admin: AdminApi;

  readonly #options: ResolvedTradingClientOptions;
  readonly #manager: SocketManager;
  readonly #machine = new ConnectionStateMachine();
  readonly #namespaces = new Map<NamespaceName, NamespaceConnection>();
  readonly #subs = new SubscriptionRegistry();
  readonly #router: StreamRouter;
  readonly #scheduler: ReconnectScheduler;
  readonly #refresher: TokenRefresher;
  readonly #systemMessages = new SystemMessageFilter();
  readonly #handshakes = new HandshakeWatch();
  readonly #host: NamespaceHost;
  readonly #rtts: number[] = [];
  #token: string | undefined;
  #closed = false;
  #offset: number | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TradingClientOptions) {
    super();
    const o = resolveOptions(options);
    this.#options = o;
    this.#token = options.token;
    // Reconnection is the client's own, with its backoff and restore: the manager never connects by itself.
    this.#manager = (options.manager ?? webSocketManager)(o.url, {
      ...options.socketOptions,
      autoConnect: false,
      reconnection: false,
    });
    this.#scheduler = new ReconnectScheduler(o.reconnectDelayMin, o.reconnectDelayMax);
    this.#router = new StreamRouter(
      this.#subs.books_,
      {
        deliver_: (event, payload) => (this.emit as (name: string, value: unknown) => boolean)(event, payload),
        gap_: (gap) => this.emit('gap', gap),
        invalid_: (event) =>
          this.emit(
            'error',
            new TradingClientError('INVALID_PAYLOAD', `dropped an invalid ${event} from the server`, { event }),
          ),
      },
      options.validateEvent,
    );
    this.#refresher = new TokenRefresher(
      o.tokenRefreshLeadMs,
      options.onTokenExpiring,
      (token) => this.setToken(token),
      (error) =>
        this.emit(
          'error',
          error instanceof TradingClientError
            ? error
            : new TradingClientError('UNAUTHORIZED', 'token refresh failed', { cause: error }),
        ),
    );
    this.#host = this.#createHost();
    this.admin = createAdminApi((event, payload) => this.#request('/admin', event, payload));
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#machine.current;
  }

  /** Adds a listener; listening to a `/user` event connects `/user` when a token is set. */
  override on<K extends keyof TradingClientEvents>(event: K, listener: Listener<TradingClientEvents[K]>): () => void {
    const off = super.on(event, listener);
    if (this.#token && (USER_EVENTS as readonly PropertyKey[]).includes(event) && !this.#closed) {
      this.#ensure('/user').catch(() => {
        // Refusals are reported through the `error` event by the connect_error handler.
      });
    }
    return off;
  }

  /** Subscribes to `price.update`/`price.trade` of the symbols; resolves with the symbols the server confirmed. */
  async subscribePrices(symbols: readonly string[]): Promise<string[]> {
    assertList(symbols, 'symbols', 'subscribe');
    const result = await this.#request('/prices', 'subscribe', { symbols: [...symbols] });
    for (const s of symbols) this.#subs.prices_.add(s);
    return result.symbols;
  }

  async unsubscribePrices(symbols: readonly string[]): Promise<void> {
    assertList(symbols, 'symbols', 'unsubscribe');
    for (const s of symbols) {
      this.#subs.prices_.delete(s);
      this.#router.forget_(`prices:${s}`);
    }
    await this.#request('/prices', 'unsubscribe', { symbols: [...symbols] });
  }

  /** Subscribes to market channels (`stats`, `ticker`, `trades`, `depth`) of the symbols; resolves with the rooms joined. */
  async subscribeMarket(channels: readonly MarketChannel[], symbols: readonly string[]): Promise<string[]> {
    assertList(channels, 'channels', 'subscribe');
    assertList(symbols, 'symbols', 'subscribe');
    const result = await this.#request('/market', 'subscribe', { channels: [...channels], symbols: [...symbols] });
    this.#subs.addMarket_(channels, symbols);
    return result.channels;
  }

  async unsubscribeMarket(channels: readonly MarketChannel[], symbols: readonly string[]): Promise<void> {
    assertList(channels, 'channels', 'unsubscribe');
    assertList(symbols, 'symbols', 'unsubscribe');
    const books = this.#subs.books_;
    for (const c of channels) {
      for (const s of symbols) {
        this.#subs.deleteMarket_(c, s);
        if (!(c === 'depth' && books.has(s))) this.#router.forget_(`market:${c}:${s}`);
      }
    }
    // An order book keeps its depth subscription.
    const rest = channels.filter((c) => c !== 'depth');
    const depthOnly = symbols.filter((s) => !books.has(s));
    if (rest.length > 0) await this.#request('/market', 'unsubscribe', { channels: rest, symbols: [...symbols] });
    if (channels.includes('depth') && depthOnly.length > 0) {
      await this.#request('/market', 'unsubscribe', { channels: ['depth'], symbols: depthOnly });
    }
  }

  /** The server's current book of a symbol (`market.snapshot`). */
  async getOrderBookSnapshot(symbol: string): Promise<MarketDepth> {
    return (await this.#request('/market', 'market.snapshot', { symbol })).depth;
  }

  /**
   * A live local order book of `symbol`, resolved once it holds a verified snapshot. One instance per
   * symbol. The order-book code is loaded on first use, so a code-splitting bundler keeps it out of the
   * first download of apps that never open a book.
   */
  async subscribeOrderBook(symbol: string): Promise<LiveOrderBook> {
    const books = this.#subs.books_;
    const existing = books.get(symbol);
    if (existing) return this.#waitReady(existing);
    this.#assertOpen();
    const { LiveOrderBook } = await import('./order-book.js');
    const raced = books.get(symbol);
    if (raced) return this.#waitReady(raced);
    const { reconnectDelayMin, reconnectDelayMax } = this.#options;
    const book = new LiveOrderBook(symbol, {
      snapshot: (s) => this.getOrderBookSnapshot(s),
      retryDelay: (attempt) => backoffDelay(attempt, reconnectDelayMin, reconnectDelayMax),
      release: (s) => this.unsubscribeOrderBook(s),
    });
    book.on('resync', (event) => this.emit('resync', event));
    // Registered before subscribing, so the snapshot the server pushes on subscribe is not missed.
    books.set(symbol, book);
    try {
      await this.#request('/market', 'subscribe', { channels: ['depth'], symbols: [symbol] });
      book.sync(SNAPSHOT_GRACE_MS);
      return await this.#waitReady(book);
    } catch (error) {
      if (books.get(symbol) === book) books.delete(symbol);
      book.dispose(error);
      throw error;
    }
  }

  /** Stops the book of `symbol` and leaves its depth stream (unless `subscribeMarket` asked for it too). */
  async unsubscribeOrderBook(symbol: string): Promise<void> {
    const book = this.#subs.books_.get(symbol);
    if (!book) return;
    this.#subs.books_.delete(symbol);
    book.dispose();
    if (!this.#subs.hasMarket_('depth', symbol) && !this.#closed) {
      await this.#request('/market', 'unsubscribe', { channels: ['depth'], symbols: [symbol] });
    }
  }

  /** Connects `/user` (needs a token); resolves with the server's `connection.authenticated`. */
  async connectUser(): Promise<ConnectionAuthenticated> {
    if (!this.#token) throw new TradingClientError('UNAUTHORIZED', '/user needs a token', { namespace: '/user' });
    const socket = await this.#ensure('/user');
    const authenticated = this.#namespaces.get('/user')?.authenticated_;
    if (authenticated) return authenticated;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('connection.authenticated', onAuth);
        reject(new TradingClientError('TIMEOUT', 'no connection.authenticated from /user', { namespace: '/user' }));
      }, this.#options.timeout);
      const onAuth = (payload: ConnectionAuthenticated) => {
        clearTimeout(timer);
        resolve(payload);
      };
      socket.once('connection.authenticated', onAuth);
    });
  }

  /** Replaces the token: refreshes it in-band (`auth.refresh`) on every authenticated namespace, and uses it on reconnect. */
  async setToken(token: string): Promise<void> {
    this.#assertOpen();
    if (typeof token !== 'string' || token.length === 0) {
      throw new TradingClientError('INVALID_PAYLOAD', 'setToken: token must be a non-empty string');
    }
    const previous = this.#token;
    this.#token = token;
    this.#refresher.schedule_(token);
    const targets = [...this.#namespaces.values()].filter((ns) => ns.connected && ns.authenticated_?.userId);
    try {
      await Promise.all(targets.map((ns) => this.#request(ns.name, 'auth.refresh', { token })));
    } catch (error) {
      // A token the server refuses must not become the one used on the next reconnect.
      const refused =
        error instanceof TradingClientError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN');
      if (refused && this.#token === token) {
        this.#token = previous;
        this.#refresher.schedule_(previous);
      }
      throw error;
    }
  }

  /** One `ping` round trip on a connected namespace; updates `latency()` and `serverTimeOffset()`. */
  async ping(): Promise<PingSample> {
    const ns = [...this.#namespaces.values()].find((n) => n.connected)?.name ?? '/prices';
    const t0 = Date.now();
    const start = performance.now();
    const result = await this.#request(ns, 'ping', { clientTime: t0 });
    const rtt = performance.now() - start;
    const offset = result.serverTime - (t0 + rtt / 2);
    this.#offset = offset;
    this.#rtts.push(rtt);
    if (this.#rtts.length > LATENCY_SAMPLES) this.#rtts.shift();
    return { rtt, offset };
  }

  /** Server clock minus local clock (ms) from the last ping, or undefined before the first. */
  serverTimeOffset(): number | undefined {
    return this.#offset;
  }

  /** Last and average round-trip time (ms) of recent pings, or undefined before the first. */
  latency(): Latency | undefined {
    const last = this.#rtts.at(-1);
    if (last === undefined) return undefined;
    return { last, average: this.#rtts.reduce((a, b) => a + b, 0) / this.#rtts.length };
  }

  /** What is subscribed now and restored after a reconnect. */
  subscriptions(): SubscriptionSet {
    return this.#subs.snapshot();
  }

  /**
   * Releases every socket and timer; pending requests reject with CLOSED. The client cannot be reused.
   * Disconnecting the last namespace closes the shared Manager and its WebSocket (socket.io's documented behaviour).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.cancel_();
    this.#refresher.cancel_();
    this.#stopPing();
    const error = new TradingClientError('CLOSED', 'client closed');
    for (const book of this.#subs.books_.values()) book.dispose(error);
    this.#subs.books_.clear();
    for (const ns of this.#namespaces.values()) ns.close(error);
    this.#setState('closed', 'CLOSED', 'client closed');
  }

  protected override onListenerError(error: unknown, event: keyof TradingClientEvents): void {
    // A throwing `error` listener has nowhere left to report to.
    if (event === 'error') return;
    this.emit(
      'error',
      new TradingClientError('LISTENER_ERROR', `a listener of ${String(event)} threw`, { cause: error }),
    );
  }

  /** Sends a request and resolves with the success branch of its ack; every failure is a TradingClientError. */
  async #request<N extends NamespaceName, E extends RequestEvent<N>>(
    ns: N,
    event: E,
    payload: RequestPayload<N, E>,
  ): Promise<RequestResult<N, E>> {
    this.#assertOpen();
    const socket = await this.#ensure(ns, event);
    return sendRequest(ns, socket, event, payload, this.#options.timeout, () => this.#closed);
  }

  /** Resolves with the namespace's socket once it is connected, connecting it (and the Manager) if needed. */
  #ensure<N extends NamespaceName>(name: N, event?: string): Promise<NamespaceSocket<N>> {
    if (this.#closed) return Promise.reject(new TradingClientError('CLOSED', 'client closed', { namespace: name }));
    let ns = this.#namespaces.get(name) as NamespaceConnection<N> | undefined;
    if (!ns) {
      ns = new NamespaceConnection(name, this.#manager, this.#host, STREAMS[name]);
      this.#namespaces.set(name, ns as NamespaceConnection);
    }
    ns.want_();
    const ready = ns.ready_(this.#options.timeout, event);
    if (this.#machine.current === 'disconnected') {
      this.#setState('connecting', null, `connecting ${name}`);
      this.#refresher.schedule_(this.#token);
    }
    // While a reconnect is pending, its attempt connects every wanted namespace.
    if (!this.#scheduler.pending_) this.#connect([ns]);
    return ready;
  }

  #createHost(): NamespaceHost {
    return {
      handshakeAuth_: (ns) => {
        const auth: HandshakeAuth = this.#token ? { token: this.#token } : {};
        const since = ns.name === '/user' && ns.userId_ ? this.#router.since_(ns.userId_) : undefined;
        if (since) auth.since = since;
        return auth;
      },
      onConnect_: (ns, restore) => {
        if (restore) this.#restore(ns);
        if ([...this.#namespaces.values()].every((n) => !n.wanted_ || n.connected)) {
          this.#scheduler.connected_();
          this.#setState('connected', null, restore ? 'reconnected' : 'connected');
        }
        this.#startPing();
      },
      onConnectError_: (_ns, error, message) => {
        if (this.#closed) return;
        if (!error) {
          this.#scheduleReconnect('DISCONNECTED', message);
          return;
        }
        this.emit('error', error);
        if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') {
          // Retrying with the same credentials cannot succeed: the namespace stops until asked again.
          if (![...this.#namespaces.values()].some((n) => n.wanted_)) this.#stop(error.code, error.message);
          return;
        }
        this.#scheduleReconnect(error.code, error.message, error.retryAfterMs ?? 0);
      },
      onDisconnect_: (ns, reason) => {
        if (ns.name === '/market') for (const book of this.#subs.books_.values()) book.suspend();
        this.#router.suspend_(ns.name);
        if (this.#closed || reason === 'io client disconnect' || !ns.wanted_) return;
        this.#scheduleReconnect('DISCONNECTED', reason);
      },
      onAuthenticated_: (ns, payload, first) => {
        if (!first || ns.name !== '/user') return;
        if (ns.connects_ > 1) this.emit('recovery', { namespace: ns.name, recovered: payload.recovered === true });
        this.#router.seedUserStreams_(payload);
      },
      onEvent_: (ns, event, payload) => {
        if (event === 'system.message') this.#onSystemMessage(ns.name, payload as SystemMessage);
        else if (event === 'error') this.emit('error', TradingClientError.fromPayload(payload, { namespace: ns.name }));
        else this.#router.route_(event, payload, ns.authenticated_?.userId);
      },
    };
  }

  #onSystemMessage(ns: NamespaceName, payload: SystemMessage): void {
    if (!payload || typeof payload !== 'object' || !this.#router.accepts_('system.message', payload)) return;
    if (!this.#systemMessages.first_(ns, payload)) return;
    // A draining server tells every namespace, each with its own delay: one shutdown, one hint, one delay.
    if (payload.type === 'reconnect' && !this.#scheduler.hint_(payload.reconnectAfterMs ?? 0)) return;
    this.emit('system.message', payload);
  }

  /** After a reconnect: subscribe again to everything and fetch fresh books. */
  #restore(ns: NamespaceConnection): void {
    const report = (error: unknown) => {
      if (error instanceof TradingClientError) this.emit('error', error);
    };
    if (ns.name === '/prices' && this.#subs.prices_.size > 0) {
      this.#request('/prices', 'subscribe', { symbols: [...this.#subs.prices_] }).catch(report);
    }
    if (ns.name !== '/market') return;
    for (const [channel, symbols] of this.#subs.marketRestore_()) {
      this.#request('/market', 'subscribe', { channels: [channel], symbols: [...symbols] })
        .then(() => {
          if (channel === 'depth') for (const s of symbols) this.#subs.books_.get(s)?.sync(SNAPSHOT_GRACE_MS);
        })
        .catch(report);
    }
  }

  #scheduleReconnect(code: TradingClientErrorCode, reason: string, minDelayMs = 0): void {
    if (this.#closed || this.#scheduler.pending_ || this.#machine.current === 'disconnected') return;
    const delay = this.#scheduler.schedule_(() => {
      if (!this.#closed) this.#connect([...this.#namespaces.values()].filter((ns) => ns.wanted_));
    }, minDelayMs);
    this.#setState('reconnecting', code, reason, delay);
  }

  /** Starts a connect of each namespace and watches the engine's handshake. */
  #connect(namespaces: NamespaceConnection[]): void {
    for (const ns of namespaces) ns.connect();
    this.#handshakes.watch_(this.#manager, (reason) => {
      if (this.#closed) return;
      const message = `connection closed during the handshake (${reason})`;
      for (const ns of this.#namespaces.values()) ns.abort_(message);
      this.#scheduleReconnect('DISCONNECTED', message);
    });
  }

  /** Gives up: no namespace can connect with these credentials. */
  #stop(code: TradingClientErrorCode, reason: string): void {
    this.#scheduler.cancel_();
    this.#stopPing();
    for (const ns of this.#namespaces.values()) ns.release_();
    this.#setState('disconnected', code, reason);
  }

  #startPing(): void {
    if (this.#pingTimer !== undefined || this.#options.pingInterval === 0 || this.#closed) return;
    const tick = () => {
      if ([...this.#namespaces.values()].some((ns) => ns.connected)) this.ping().catch(() => {});
    };
    this.#pingTimer = setInterval(tick, this.#options.pingInterval);
    tick();
  }

  #stopPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  #setState(state: ConnectionState, code: TradingClientErrorCode | null, reason: string, retryInMs?: number): void {
    const change = this.#machine.transition(state, code, reason, retryInMs);
    if (change) this.emit('state', change);
  }

  async #waitReady(book: LiveOrderBook): Promise<LiveOrderBook> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const { timeout } = this.#options;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TradingClientError('TIMEOUT', `order book ${book.symbol} not synced within ${timeout} ms`)),
        timeout,
      );
    });
    try {
      return await Promise.race([book.ready(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new TradingClientError('CLOSED', 'client closed');
  }
}
