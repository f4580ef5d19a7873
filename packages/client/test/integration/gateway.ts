import { createHmac } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
// Relative, not '@ws/server': the SDK must not depend on the server, only its tests use it.
import { WebSocketServer, type WebSocketServerInit } from '../../../server/src/index.js';

export const SECRET = 'client-tests-secret-with-at-least-32-bytes!!';
export const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 JWT signed with `secret` (default the gateway's); `exp` in `expiresInSec` (default one hour). */
export function signToken(
  claims: Record<string, unknown>,
  options: { expiresInSec?: number; secret?: string } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + (options.expiresInSec ?? 3600), ...claims }));
  const signature = createHmac('sha256', options.secret ?? SECRET)
    .update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** A filled BTC/USDT buy of one lot, as the tests publish to a user's `orders` stream. */
export function filledOrder(orderId: string) {
  return {
    orderId,
    symbol: 'BTC/USDT',
    side: 'buy' as const,
    type: 'limit' as const,
    price: 100,
    quantity: 1,
    filledQuantity: 1,
    status: 'filled' as const,
  };
}

/** A real `WebSocketServer` on a real HTTP server, on port 0, that can drop its TCP connections and restart on the same port. */
export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** The running server (a new instance after `restart`). */
  readonly server: WebSocketServer;
  /** Destroys every TCP connection without a close handshake. */
  dropConnections(): void;
  /** Stops the server (graceful close) and starts a fresh one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(init: WebSocketServerInit = {}): Promise<Gateway> {
  let port = 0;
  let http: HttpServer | undefined;
  let server: WebSocketServer | undefined;
  const sockets = new Set<NetSocket>();

  const start = async () => {
    const httpServer = createServer();
    httpServer.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const ws = new WebSocketServer({
      auth: { secret: SECRET },
      symbols: SYMBOLS,
      pingIntervalMs: 2_000,
      pingTimeoutMs: 2_000,
      rateLimit: false,
      shutdown: { deadlineMs: 500, reconnectJitterMs: 20 },
      ...init,
    });
    await ws.initialize(httpServer);
    await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
    port = (httpServer.address() as AddressInfo).port;
    http = httpServer;
    server = ws;
  };

  const stop = async () => {
    const ws = server;
    const httpServer = http;
    server = undefined;
    http = undefined;
    if (ws) await ws.close();
    if (httpServer) {
      httpServer.closeAllConnections();
      for (const s of sockets) s.destroy();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
  };

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get server() {
      if (!server) throw new Error('gateway is stopped');
      return server;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    start,
    close: stop,
  };
}

/** Resolves with the first payload `register` delivers that passes `match`. */
export function waitFor<T>(
  register: (listener: (value: T) => void) => () => void,
  match: (value: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    const off = register((value) => {
      if (!match(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}
