import type {
  AdminBroadcastRequest,
  AdminCommandArgs,
  AdminCommandName,
  AdminCommandResult,
  ClientToServerEvents,
  ConnectionAuthenticated,
  MarketChannel,
  MarketDepth,
  MetricsSnapshot,
  NamespaceName,
  SystemMessage,
  UserRecoverySince,
} from '@ws/protocol';
import { USER_STREAMS } from '@ws/protocol';
import { Manager, type Socket } from 'socket.io-client';
import { backoffDelay } from './backoff.js';
import { type ConnectionState, ConnectionStateMachine } from './connection-state.js';
import { jwtExpiresAt } from './jwt-expiry.js';
import { LiveOrderBook } from './order-book.js';
import { type GapEvent, SequenceTracker } from './sequence-tracker.js';
import { TradingClientError, type TradingClientErrorCode } from './trading-client-error.js';
import { type TradingClientEvents, USER_EVENTS } from './trading-client-events.js';
import {
  type ResolvedTradingClientOptions,
  resolveOptions,
  type TradingClientOptions,
} from './trading-client-options.js';
import { type Listener, TypedEmitter } from './typed-emitter.js';

type AckOf<F> = F extends (payload: never, ack: (response: infer A) => void) => void ? A : never;
type RequestEvent<N extends NamespaceName> = keyof ClientToServerEvents<N> & string;
type RequestPayload<N extends NamespaceName, E extends RequestEvent<N>> = ClientToServerEvents<N>[E] extends (
  payload: infer P,
  ack: never,
) => void
  ? P
  : never;
/** The success branch of an event's ack, without `ok`. */
type RequestResult<N extends NamespaceName, E extends RequestEvent<N>> = Omit<
  Extract<AckOf<ClientToServerEvents<N>[E]>, { ok: true }>,
  'ok'
>;

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

/** What the client restores after every reconnect. */
export interface SubscriptionSet {
  prices: string[];
  market: { channel: MarketChannel; symbol: string }[];
  orderBooks: string[];
}

/** Helpers of the `/admin` namespace (admin or service token). */
export interface AdminApi {
  metrics(): Promise<MetricsSnapshot>;
  command<C extends AdminCommandName>(command: C, args?: AdminCommandArgs<C>): Promise<AdminCommandResult<C>>;
  broadcast(message: AdminBroadcastRequest): Promise<{ delivered: boolean }>;
}

interface Waiter {
  resolve: (socket: Socket) => void;
  reject: (error: TradingClientError) => void;
}

interface NamespaceHandle {
  name: NamespaceName;
  socket: Socket;
  /** In use: connected now, or to be (re)connected. */
  wanted: boolean;
  /** Has connected at least once, so the next connect is a restore. */
  connectedBefore: boolean;
  /** Successful connects so far. */
  connects: number;
  authenticated: ConnectionAuthenticated | null;
  /** The user of the last `connection.authenticated`; kept across drops for `/user` recovery. */
  userId: string | null;
  waiters: Set<Waiter>;
}

const STREAMS: Record<NamespaceName, readonly string[]> = {
  '/prices': ['price.update', 'price.trade'],
  '/market': ['market.stats', 'market.ticker', 'market.trades', 'market.depth'],
  '/user': USER_EVENTS,
  '/admin': ['admin.stats', 'admin.alert'],
};

/** The room a stream event was published to (for seq tracking). */
function roomOf(event: string, payload: Record<string, unknown>, userId: string | null | undefined): string | null {
  const symbol = typeof payload.symbol === 'string' ? payload.symbol : '';
  if (event === 'price.update' || event === 'price.trade') return `prices:${symbol}`;
  if (event.startsWith('market.')) return `market:${event.slice(7)}:${symbol}`;
  const user = userId ?? '';
  if (event.startsWith('order.')) return `orders:${user}`;
  if (event.startsWith('position.')) return `positions:${user}`;
  if (event === 'wallet.update') return `wallet:${user}`;
  if (event === 'margin.call') return `user:${user}`;
  return null;
}

function namespaceOfRoom(room: string): NamespaceName {
  if (room.startsWith('prices:')) return '/prices';
  if (room.startsWith('market:')) return '/market';
  return '/user';
}

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

const MAX_TIMER_MS = 2_147_483_647;
/** How long a book waits for the snapshot the server pushes after a subscribe before asking for one. */
const SNAPSHOT_GRACE_MS = 250;
const LATENCY_SAMPLES = 20;

/**
 * The trading gateway SDK: one WebSocket (one socket.io Manager) shared by lazily connected
 * namespaces, an explicit connection state machine with full-jitter backoff, subscriptions restored
 * after every reconnect with `gap`/`resync` reports, verified local order books, token refresh in-band.
 */
export class TradingClient extends TypedEmitter<TradingClientEvents> {
  /** `/admin` helpers; need an admin or service token. */
  readonly admin: AdminApi;

  private readonly options: ResolvedTradingClientOptions;
  private readonly manager: Manager;
  private readonly machine = new ConnectionStateMachine();
  private readonly namespaces = new Map<NamespaceName, NamespaceHandle>();
  private readonly tracker = new SequenceTracker();
  private readonly prices = new Set<string>();
  /** `channel|symbol` of subscribeMarket subscriptions. */
  private readonly market = new Set<string>();
  private readonly books = new Map<string, LiveOrderBook>();
  /** Recent system messages → the namespaces that delivered them (one broadcast arrives once per namespace). */
  private readonly recentSystemMessages = new Map<string, Set<NamespaceName>>();
  private readonly rtts: number[] = [];
  private readonly onTokenExpiring: TradingClientOptions['onTokenExpiring'];
  private readonly validateEvent: TradingClientOptions['validateEvent'];
  private token: string | undefined;
  private closed = false;
  private attempt = 0;
  private drainDelayMs = 0;
  private offset: number | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private tokenTimer: ReturnType<typeof setTimeout> | undefined;
  private lastConnectError: TradingClientError | undefined;
  /** The token `onTokenExpiring` was last asked to replace, so the same token is not asked about twice. */
  private refreshedToken: string | undefined;
  /** Engines whose handshake is watched (`watchHandshake`). */
  private readonly watchedEngines = new WeakSet<object>();

  constructor(options: TradingClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.token = options.token;
    this.onTokenExpiring = options.onTokenExpiring;
    this.validateEvent = options.validateEvent;
    this.manager = new Manager(this.options.url, {
      transports: ['websocket'],
      ...options.socketOptions,
      autoConnect: false,
      reconnection: false,
    });
    this.admin = {
      metrics: async () => (await this.request('/admin', 'admin.metrics', {})).metrics,
      command: async <C extends AdminCommandName>(command: C, args?: AdminCommandArgs<C>) => {
        const payload = args === undefined ? { command } : { command, args: args as Record<string, never> };
        return (await this.request('/admin', 'admin.command', payload)).result as AdminCommandResult<C>;
      },
      broadcast: async (message) => this.request('/admin', 'admin.broadcast', message),
    };
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.machine.current;
  }

  /** Adds a listener; listening to a `/user` event connects `/user` when a token is set. */
  override on<K extends keyof TradingClientEvents>(event: K, listener: Listener<TradingClientEvents[K]>): () => void {
    const off = super.on(event, listener);
    if (this.token && (USER_EVENTS as readonly PropertyKey[]).includes(event) && !this.closed) {
      this.ensure('/user').catch(() => {
        // Refusals are reported through the `error` event by the connect_error handler.
      });
    }
    return off;
  }

  /** Subscribes to `price.update`/`price.trade` of the symbols; resolves with the symbols the server confirmed. */
  async subscribePrices(symbols: readonly string[]): Promise<string[]> {
    assertList(symbols, 'symbols', 'subscribe');
    const result = await this.request('/prices', 'subscribe', { symbols: [...symbols] });
    for (const s of symbols) this.prices.add(s);
    return result.symbols;
  }

  async unsubscribePrices(symbols: readonly string[]): Promise<void> {
    assertList(symbols, 'symbols', 'unsubscribe');
    for (const s of symbols) {
      this.prices.delete(s);
      this.tracker.forget(`prices:${s}`);
    }
    await this.request('/prices', 'unsubscribe', { symbols: [...symbols] });
  }

  /** Subscribes to market channels (`stats`, `ticker`, `trades`, `depth`) of the symbols; resolves with the rooms joined. */
  async subscribeMarket(channels: readonly MarketChannel[], symbols: readonly string[]): Promise<string[]> {
    assertList(channels, 'channels', 'subscribe');
    assertList(symbols, 'symbols', 'subscribe');
    const result = await this.request('/market', 'subscribe', { channels: [...channels], symbols: [...symbols] });
    for (const c of channels) for (const s of symbols) this.market.add(`${c}|${s}`);
    return result.channels;
  }

  async unsubscribeMarket(channels: readonly MarketChannel[], symbols: readonly string[]): Promise<void> {
    assertList(channels, 'channels', 'unsubscribe');
    assertList(symbols, 'symbols', 'unsubscribe');
    for (const c of channels) {
      for (const s of symbols) {
        this.market.delete(`${c}|${s}`);
        if (!(c === 'depth' && this.books.has(s))) this.tracker.forget(`market:${c}:${s}`);
      }
    }
    // An order book keeps its depth subscription.
    const keep = channels.includes('depth') ? symbols.filter((s) => this.books.has(s)) : [];
    const rest = channels.filter((c) => c !== 'depth');
    const depthOnly = symbols.filter((s) => !keep.includes(s));
    if (rest.length > 0) await this.request('/market', 'unsubscribe', { channels: rest, symbols: [...symbols] });
    if (channels.includes('depth') && depthOnly.length > 0) {
      await this.request('/market', 'unsubscribe', { channels: ['depth'], symbols: depthOnly });
    }
  }

  /** The server's current book of a symbol (`market.snapshot`). */
  async getOrderBookSnapshot(symbol: string): Promise<MarketDepth> {
    return (await this.request('/market', 'market.snapshot', { symbol })).depth;
  }

  /** A live local order book of `symbol`, resolved once it holds a verified snapshot. One instance per symbol. */
  async subscribeOrderBook(symbol: string): Promise<LiveOrderBook> {
    const existing = this.books.get(symbol);
    if (existing) return this.waitReady(existing);
    const book = new LiveOrderBook(symbol, {
      snapshot: (s) => this.getOrderBookSnapshot(s),
      retryDelay: (attempt) => backoffDelay(attempt, this.options.reconnectDelayMin, this.options.reconnectDelayMax),
      release: (s) => this.unsubscribeOrderBook(s),
    });
    book.on('resync', (event) => this.emit('resync', event));
    // Registered before subscribing, so the snapshot the server pushes on subscribe is not missed.
    this.books.set(symbol, book);
    try {
      await this.request('/market', 'subscribe', { channels: ['depth'], symbols: [symbol] });
      book.sync(SNAPSHOT_GRACE_MS);
      return await this.waitReady(book);
    } catch (error) {
      if (this.books.get(symbol) === book) this.books.delete(symbol);
      book.dispose(error);
      throw error;
    }
  }

  /** Stops the book of `symbol` and leaves its depth stream (unless `subscribeMarket` asked for it too). */
  async unsubscribeOrderBook(symbol: string): Promise<void> {
    const book = this.books.get(symbol);
    if (!book) return;
    this.books.delete(symbol);
    book.dispose();
    if (!this.market.has(`depth|${symbol}`) && !this.closed) {
      await this.request('/market', 'unsubscribe', { channels: ['depth'], symbols: [symbol] });
    }
  }

  /** Connects `/user` (needs a token); resolves with the server's `connection.authenticated`. */
  async connectUser(): Promise<ConnectionAuthenticated> {
    if (!this.token) throw new TradingClientError('UNAUTHORIZED', '/user needs a token', { namespace: '/user' });
    const socket = await this.ensure('/user');
    const handle = this.namespaces.get('/user')!;
    if (handle.authenticated) return handle.authenticated;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('connection.authenticated', onAuth);
        reject(new TradingClientError('TIMEOUT', 'no connection.authenticated from /user', { namespace: '/user' }));
      }, this.options.timeout);
      const onAuth = (payload: ConnectionAuthenticated) => {
        clearTimeout(timer);
        resolve(payload);
      };
      socket.once('connection.authenticated', onAuth);
    });
  }

  /** Replaces the token: refreshes it in-band (`auth.refresh`) on every authenticated namespace, and uses it on reconnect. */
  async setToken(token: string): Promise<void> {
    this.assertOpen();
    if (typeof token !== 'string' || token.length === 0) {
      throw new TradingClientError('INVALID_PAYLOAD', 'setToken: token must be a non-empty string');
    }
    const previous = this.token;
    this.token = token;
    this.scheduleTokenRefresh();
    const targets = [...this.namespaces.values()].filter((h) => h.socket.connected && h.authenticated?.userId);
    try {
      await Promise.all(targets.map((h) => this.request(h.name, 'auth.refresh', { token })));
    } catch (error) {
      // A token the server refuses must not become the one used on the next reconnect.
      const refused =
        error instanceof TradingClientError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN');
      if (refused && this.token === token) {
        this.token = previous;
        this.scheduleTokenRefresh();
      }
      throw error;
    }
  }

  /** One `ping` round trip on a connected namespace; updates `latency()` and `serverTimeOffset()`. */
  async ping(): Promise<PingSample> {
    const handle = [...this.namespaces.values()].find((h) => h.socket.connected);
    const ns = handle?.name ?? '/prices';
    const t0 = Date.now();
    const start = performance.now();
    const result = await this.request(ns, 'ping', { clientTime: t0 });
    const rtt = performance.now() - start;
    const offset = result.serverTime - (t0 + rtt / 2);
    this.offset = offset;
    this.rtts.push(rtt);
    if (this.rtts.length > LATENCY_SAMPLES) this.rtts.shift();
    return { rtt, offset };
  }

  /** Server clock minus local clock (ms) from the last ping, or undefined before the first. */
  serverTimeOffset(): number | undefined {
    return this.offset;
  }

  /** Last and average round-trip time (ms) of recent pings, or undefined before the first. */
  latency(): Latency | undefined {
    const last = this.rtts.at(-1);
    if (last === undefined) return undefined;
    return { last, average: this.rtts.reduce((a, b) => a + b, 0) / this.rtts.length };
  }

  /** What is subscribed now and restored after a reconnect. */
  subscriptions(): SubscriptionSet {
    return {
      prices: [...this.prices],
      market: [...this.market].map((key) => {
        const [channel, symbol] = key.split('|') as [MarketChannel, string];
        return { channel, symbol };
      }),
      orderBooks: [...this.books.keys()],
    };
  }

  /** Releases every socket and timer; pending requests reject with CLOSED. The client cannot be reused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    const error = new TradingClientError('CLOSED', 'client closed');
    for (const book of this.books.values()) book.dispose(error);
    this.books.clear();
    for (const handle of this.namespaces.values()) {
      handle.wanted = false;
      this.rejectWaiters(handle, error);
      handle.socket.disconnect();
    }
    this.manager._close();
    this.setState('closed', 'CLOSED', 'client closed');
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
  private async request<N extends NamespaceName, E extends RequestEvent<N>>(
    ns: N,
    event: E,
    payload: RequestPayload<N, E>,
  ): Promise<RequestResult<N, E>> {
    this.assertOpen();
    const socket = await this.ensure(ns, event);
    return new Promise((resolve, reject) => {
      socket.timeout(this.options.timeout).emit(event, payload, (err: Error | null, response: unknown) => {
        if (err) {
          if (this.closed) reject(new TradingClientError('CLOSED', 'client closed', { namespace: ns, event }));
          else if (!socket.connected)
            reject(
              new TradingClientError('DISCONNECTED', `disconnected before ${event} was answered`, {
                namespace: ns,
                event,
              }),
            );
          else
            reject(
              new TradingClientError('TIMEOUT', `no answer to ${event} within ${this.options.timeout} ms`, {
                namespace: ns,
                event,
              }),
            );
          return;
        }
        const ack = response as { ok?: unknown; error?: unknown } | null;
        if (ack && typeof ack === 'object' && ack.ok === true) {
          const { ok: _ok, ...result } = ack;
          resolve(result as RequestResult<N, E>);
        } else {
          reject(
            TradingClientError.fromPayload(ack?.error ?? { code: 'INTERNAL', message: 'malformed ack' }, {
              namespace: ns,
              event,
            }),
          );
        }
      });
    });
  }

  /** Resolves with the namespace's socket once it is connected, connecting it (and the Manager) if needed. */
  private ensure(ns: NamespaceName, event?: string): Promise<Socket> {
    if (this.closed) return Promise.reject(new TradingClientError('CLOSED', 'client closed', { namespace: ns }));
    const handle = this.namespaces.get(ns) ?? this.createNamespace(ns);
    handle.wanted = true;
    if (handle.socket.connected) return Promise.resolve(handle.socket);
    const promise = new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => {
        handle.waiters.delete(waiter);
        reject(
          new TradingClientError('TIMEOUT', `${ns} did not connect within ${this.options.timeout} ms`, {
            namespace: ns,
            event,
            cause: this.lastConnectError,
          }),
        );
      }, this.options.timeout);
      const waiter: Waiter = {
        resolve: (socket) => {
          clearTimeout(timer);
          resolve(socket);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      handle.waiters.add(waiter);
    });
    if (this.machine.current === 'disconnected') {
      this.setState('connecting', null, `connecting ${ns}`);
      this.scheduleTokenRefresh();
    }
    // While a reconnect is pending, its attempt connects every wanted namespace.
    if (this.reconnectTimer === undefined && !handle.socket.active) {
      handle.socket.connect();
      this.watchHandshake();
    }
    return promise;
  }

  private createNamespace(ns: NamespaceName): NamespaceHandle {
    // A function, so every (re)connect sends the current token and, on /user, what was seen so far.
    const socket = this.manager.socket(ns, { auth: (cb: (data: object) => void) => cb(this.handshakeAuth(ns)) });
    const handle: NamespaceHandle = {
      name: ns,
      socket,
      wanted: false,
      connectedBefore: false,
      connects: 0,
      authenticated: null,
      userId: null,
      waiters: new Set(),
    };
    this.namespaces.set(ns, handle);
    socket.on('connect', () => this.onConnect(handle));
    socket.on('connect_error', (err: Error & { data?: unknown }) => this.onConnectError(handle, err));
    socket.on('disconnect', (reason: string) => this.onDisconnect(handle, reason));
    socket.on('connection.authenticated', (payload: ConnectionAuthenticated) => this.onAuthenticated(handle, payload));
    socket.on('system.message', (payload: SystemMessage) => this.onSystemMessage(ns, payload));
    socket.on('error', (payload: unknown) =>
      this.emit('error', TradingClientError.fromPayload(payload, { namespace: ns })),
    );
    for (const event of STREAMS[ns]) {
      socket.on(event, (payload: unknown) => this.onStream(handle, event, payload));
    }
    return handle;
  }

  private onConnect(handle: NamespaceHandle): void {
    const restore = handle.connectedBefore;
    handle.connectedBefore = true;
    handle.connects++;
    handle.authenticated = null;
    this.lastConnectError = undefined;
    const waiters = [...handle.waiters];
    handle.waiters.clear();
    for (const w of waiters) w.resolve(handle.socket);
    if (restore) this.restore(handle);
    const all = [...this.namespaces.values()].every((h) => !h.wanted || h.socket.connected);
    if (all) {
      this.attempt = 0;
      this.setState('connected', null, restore ? 'reconnected' : 'connected');
    }
    this.startPing();
  }

  private onConnectError(handle: NamespaceHandle, err: Error & { data?: unknown }): void {
    if (this.closed) return;
    const data = err.data as { code?: unknown } | undefined;
    if (data && typeof data === 'object' && typeof data.code === 'string') {
      const error = TradingClientError.fromPayload(data, { namespace: handle.name });
      this.lastConnectError = error;
      this.rejectWaiters(handle, error);
      this.emit('error', error);
      if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN') {
        // Retrying with the same credentials cannot succeed: this namespace stops until asked again.
        handle.wanted = false;
        if (![...this.namespaces.values()].some((h) => h.wanted)) this.stop(error.code, error.message);
        return;
      }
      this.scheduleReconnect(error.code, error.message, error.retryAfterMs ?? 0);
      return;
    }
    this.lastConnectError = new TradingClientError('DISCONNECTED', err.message || 'connection failed', {
      namespace: handle.name,
      cause: err,
    });
    this.scheduleReconnect('DISCONNECTED', err.message || 'connection failed');
  }

  private onDisconnect(handle: NamespaceHandle, reason: string): void {
    handle.authenticated = null;
    if (handle.name === '/market') for (const book of this.books.values()) book.suspend();
    this.tracker.markRestoring((room) => namespaceOfRoom(room) === handle.name);
    if (this.closed || reason === 'io client disconnect' || !handle.wanted) return;
    this.scheduleReconnect('DISCONNECTED', reason);
  }

  private onAuthenticated(handle: NamespaceHandle, payload: ConnectionAuthenticated): void {
    const first = handle.authenticated === null;
    handle.authenticated = payload;
    if (payload && typeof payload.userId === 'string') handle.userId = payload.userId;
    if (!first || handle.name !== '/user') return;
    if (handle.connects > 1) this.emit('recovery', { namespace: handle.name, recovered: payload.recovered === true });
    for (const gap of this.seedUserStreams(payload)) this.emit('gap', gap);
  }

  /**
   * Takes `streams` (where each private stream continues) as the last seq per room, so the next
   * reconnect's `since` covers streams that had no event yet; a value other than the one the client
   * had is a stream the server could not replay.
   */
  private seedUserStreams(payload: ConnectionAuthenticated): GapEvent[] {
    const streams: unknown = payload?.streams;
    const userId = payload?.userId;
    if (!streams || typeof streams !== 'object' || typeof userId !== 'string') return [];
    const gaps: GapEvent[] = [];
    for (const stream of USER_STREAMS) {
      const seq = (streams as Record<string, unknown>)[stream];
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) continue;
      const gap = this.tracker.seed(`${stream}:${userId}`, seq);
      if (gap) gaps.push(gap);
    }
    return gaps;
  }

  /** The handshake `auth`: the token, and on a `/user` reconnect `since` (last seq per private stream) for replay. */
  private handshakeAuth(ns: NamespaceName): { token?: string; since?: UserRecoverySince } {
    const auth: { token?: string; since?: UserRecoverySince } = this.token ? { token: this.token } : {};
    const userId = ns === '/user' ? this.namespaces.get('/user')?.userId : null;
    if (!userId) return auth;
    const since: UserRecoverySince = {};
    // Only streams with a known seq: asking from 0 would replay events from before this session began.
    for (const stream of USER_STREAMS) {
      const seq = this.tracker.lastSeq(`${stream}:${userId}`);
      if (seq !== undefined) since[stream] = seq;
    }
    if (Object.keys(since).length > 0) auth.since = since;
    return auth;
  }

  private onSystemMessage(ns: NamespaceName, payload: SystemMessage): void {
    if (!payload || typeof payload !== 'object' || !this.accepts('system.message', payload)) return;
    // The same broadcast reaches every connected namespace; deliver it once.
    const key = `${payload.type}|${payload.timestamp}|${payload.message}`;
    const seenOn = this.recentSystemMessages.get(key);
    // Seen on another namespace: the same broadcast. Seen on this one: the server said it again.
    if (seenOn && !seenOn.has(ns)) {
      seenOn.add(ns);
      return;
    }
    this.recentSystemMessages.delete(key);
    this.recentSystemMessages.set(key, new Set([ns]));
    if (this.recentSystemMessages.size > 32) {
      const oldest = this.recentSystemMessages.keys().next().value;
      if (oldest !== undefined) this.recentSystemMessages.delete(oldest);
    }
    if (payload.type === 'reconnect' && typeof payload.reconnectAfterMs === 'number') {
      this.drainDelayMs = payload.reconnectAfterMs;
    }
    this.emit('system.message', payload);
  }

  private onStream(handle: NamespaceHandle, event: string, payload: unknown): void {
    if (!payload || typeof payload !== 'object' || !this.accepts(event, payload)) return;
    const data = payload as Record<string, unknown>;
    const book = event === 'market.depth' ? this.books.get(String(data.symbol)) : undefined;
    if (book) book.handle(payload as MarketDepth);
    else if (typeof data.seq === 'number') {
      const room = roomOf(event, data, handle.authenticated?.userId);
      const gap = room ? this.tracker.observe(room, data.seq) : null;
      if (gap) this.emit('gap', gap);
    }
    const emit = this.emit.bind(this) as (name: string, value: unknown) => boolean;
    emit(event, payload);
    if (event === 'price.update' && typeof data.symbol === 'string') emit(`price:${data.symbol}`, payload);
  }

  /** Runs the `validateEvent` option; a rejected (or throwing) check drops the event and reports it. */
  private accepts(event: string, payload: unknown): boolean {
    if (!this.validateEvent) return true;
    let ok = false;
    try {
      ok = this.validateEvent(event, payload);
    } catch {
      ok = false;
    }
    if (!ok)
      this.emit(
        'error',
        new TradingClientError('INVALID_PAYLOAD', `dropped an invalid ${event} from the server`, { event }),
      );
    return ok;
  }

  /** After a reconnect: subscribe again to everything and fetch fresh books. */
  private restore(handle: NamespaceHandle): void {
    const report = (error: unknown) => {
      if (error instanceof TradingClientError) this.emit('error', error);
    };
    if (handle.name === '/prices' && this.prices.size > 0) {
      this.request('/prices', 'subscribe', { symbols: [...this.prices] }).catch(report);
    }
    if (handle.name === '/market') {
      const byChannel = new Map<MarketChannel, Set<string>>();
      const add = (channel: MarketChannel, symbol: string) => {
        let set = byChannel.get(channel);
        if (!set) {
          set = new Set();
          byChannel.set(channel, set);
        }
        set.add(symbol);
      };
      for (const key of this.market) {
        const [channel, symbol] = key.split('|') as [MarketChannel, string];
        add(channel, symbol);
      }
      for (const symbol of this.books.keys()) add('depth', symbol);
      for (const [channel, symbols] of byChannel) {
        this.request('/market', 'subscribe', { channels: [channel], symbols: [...symbols] })
          .then(() => {
            if (channel === 'depth') for (const s of symbols) this.books.get(s)?.sync(SNAPSHOT_GRACE_MS);
          })
          .catch(report);
      }
    }
  }

  private scheduleReconnect(code: TradingClientErrorCode, reason: string, minDelayMs = 0): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    if (this.machine.current === 'disconnected') return;
    this.setState('reconnecting', code, reason);
    const jitter = backoffDelay(this.attempt++, this.options.reconnectDelayMin, this.options.reconnectDelayMax);
    const delay = Math.min(MAX_TIMER_MS, Math.max(jitter, minDelayMs, this.drainDelayMs));
    this.drainDelayMs = 0;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnect();
    }, delay);
  }

  private reconnect(): void {
    if (this.closed) return;
    const wanted = [...this.namespaces.values()].filter((h) => h.wanted);
    if (wanted.length === 0) return;
    for (const h of wanted) if (!h.socket.connected && !h.socket.active) h.socket.connect();
    // Sockets still subscribed to the Manager send their CONNECT as soon as it opens.
    this.manager.open();
    this.watchHandshake();
  }

  /**
   * socket.io's Manager waits for `open` or `error` from a new engine and misses a `close` before the
   * Engine.IO handshake completed — a connection reset right after the WebSocket upgrade, inside the OPEN
   * packet, raises no error — so the attempt would hang until the Manager's connect timeout (20 s) while
   * the Manager still says "opening". Such a close fails the attempt at once, and the backoff retries.
   */
  private watchHandshake(): void {
    const engine = this.manager.engine;
    if (!engine || this.watchedEngines.has(engine)) return;
    this.watchedEngines.add(engine);
    let settled = false;
    engine.once('open', () => {
      settled = true;
    });
    // The Manager's own listener runs first and has handled the attempt as a connect_error.
    engine.once('error', () => {
      settled = true;
    });
    engine.once('close', (reason: string) => {
      if (settled || this.closed || this.manager.engine !== engine) return;
      const handle = [...this.namespaces.values()].find((h) => h.wanted && !h.socket.connected);
      if (handle) this.onConnectError(handle, new Error(`connection closed during the handshake (${reason})`));
      // Resets the Manager to "closed", so the next attempt opens a new engine.
      this.manager._close();
    });
  }

  /** Gives up: no namespace can connect with these credentials. */
  private stop(code: TradingClientErrorCode, reason: string): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    for (const h of this.namespaces.values()) if (h.socket.active) h.socket.disconnect();
    this.setState('disconnected', code, reason);
  }

  private startPing(): void {
    if (this.pingTimer !== undefined || this.options.pingInterval === 0 || this.closed) return;
    const tick = () => {
      if ([...this.namespaces.values()].some((h) => h.socket.connected)) this.ping().catch(() => {});
    };
    this.pingTimer = setInterval(tick, this.options.pingInterval);
    tick();
  }

  private scheduleTokenRefresh(): void {
    clearTimeout(this.tokenTimer);
    this.tokenTimer = undefined;
    const callback = this.onTokenExpiring;
    const token = this.token;
    const expiresAt = token ? jwtExpiresAt(token) : undefined;
    if (!callback || expiresAt === undefined || this.closed || token === this.refreshedToken) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - this.options.tokenRefreshLeadMs - Date.now()));
    this.tokenTimer = setTimeout(() => {
      this.tokenTimer = undefined;
      this.refreshedToken = token;
      Promise.resolve()
        .then(() => callback(Math.max(0, expiresAt - Date.now())))
        .then((token) => this.setToken(token))
        .catch((error: unknown) =>
          this.emit(
            'error',
            error instanceof TradingClientError
              ? error
              : new TradingClientError('UNAUTHORIZED', 'token refresh failed', { cause: error }),
          ),
        );
    }, delay);
  }

  private setState(state: ConnectionState, code: TradingClientErrorCode | null, reason: string): void {
    const change = this.machine.transition(state, code, reason);
    if (change) this.emit('state', change);
  }

  private rejectWaiters(handle: NamespaceHandle, error: TradingClientError): void {
    const waiters = [...handle.waiters];
    handle.waiters.clear();
    for (const w of waiters) w.reject(error);
  }

  private async waitReady(book: LiveOrderBook): Promise<LiveOrderBook> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TradingClientError('TIMEOUT', `order book ${book.symbol} not synced within ${this.options.timeout} ms`),
          ),
        this.options.timeout,
      );
    });
    try {
      return await Promise.race([book.ready(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new TradingClientError('CLOSED', 'client closed');
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.tokenTimer);
    this.reconnectTimer = undefined;
    this.pingTimer = undefined;
    this.tokenTimer = undefined;
  }
}
