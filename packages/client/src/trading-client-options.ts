import type { ManagerFactory, SocketOptions } from './socket-manager.js';

export interface TradingClientOptions {
  /** Gateway base URL, e.g. `http://localhost:3000` (namespaces are appended). */
  url: string;
  /** JWT sent as `auth.token` on every namespace; needed for `/user` and `/admin`. */
  token?: string | undefined;
  /** Ack timeout of every request, and how long a request waits for its namespace to connect (ms). Default 10 000. */
  timeout?: number;
  /** Smallest backoff cap before a reconnect attempt (ms). Default 500. */
  reconnectDelayMin?: number;
  /** Largest delay between reconnect attempts (ms). Default 30 000. */
  reconnectDelayMax?: number;
  /** Interval of the clock/latency `ping` while connected (ms); 0 turns it off. Default 15 000. */
  pingInterval?: number;
  /** Called this long (ms) before the token's `exp`, to fetch a new token. Default 60 000. */
  tokenRefreshLeadMs?: number;
  /** Returns a fresh token shortly before the current one expires; the client then calls `setToken` with it. */
  onTokenExpiring?: (remainingMs: number) => Promise<string> | string;
  /**
   * Checks every server stream event before delivery; events that fail are dropped and reported as an
   * `error` with code INVALID_PAYLOAD. `protocolEventValidator` checks against the protocol schemas.
   */
  validateEvent?: (event: string, payload: unknown) => boolean;
  /**
   * Makes the Socket.IO connection. Default: Socket.IO over one WebSocket. `pollingManager` from
   * `@ws/client/polling` is socket.io-client's Manager, HTTP long-polling first and upgraded to WebSocket,
   * for networks whose proxies block WebSocket.
   */
  manager?: ManagerFactory;
  /**
   * socket.io-client Manager options; the default manager reads `path`, `query`, `timeout` (of the handshake)
   * and, in Node, `extraHeaders` and ws's socket options (`localAddress`, TLS…). Reconnection is always the client's own.
   */
  socketOptions?: SocketOptions;
}

export interface ResolvedTradingClientOptions {
  url: string;
  timeout: number;
  reconnectDelayMin: number;
  reconnectDelayMax: number;
  pingInterval: number;
  tokenRefreshLeadMs: number;
}

export function resolveOptions(options: TradingClientOptions): ResolvedTradingClientOptions {
  if (typeof options?.url !== 'string' || options.url.length === 0)
    throw new TypeError('TradingClient: url is required');
  const positive = (value: number | undefined, fallback: number, name: string) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) throw new TypeError(`TradingClient: ${name} must be a non-negative number`);
    return v;
  };
  const transports = options.socketOptions?.transports;
  if (!options.manager && transports?.some((t) => t !== 'websocket')) {
    throw new TypeError(
      "TradingClient: socketOptions.transports other than 'websocket' need manager: pollingManager from '@ws/client/polling'",
    );
  }
  const reconnectDelayMin = positive(options.reconnectDelayMin, 500, 'reconnectDelayMin');
  return {
    url: options.url,
    timeout: positive(options.timeout, 10_000, 'timeout'),
    reconnectDelayMin,
    reconnectDelayMax: Math.max(reconnectDelayMin, positive(options.reconnectDelayMax, 30_000, 'reconnectDelayMax')),
    pingInterval: positive(options.pingInterval, 15_000, 'pingInterval'),
    tokenRefreshLeadMs: positive(options.tokenRefreshLeadMs, 60_000, 'tokenRefreshLeadMs'),
  };
}
