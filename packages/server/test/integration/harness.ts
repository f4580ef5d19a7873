import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientToServerEvents, NamespaceName, ServerToClientEvents } from '@ws/protocol';
import { type JWTPayload, SignJWT } from 'jose';
import {
  type Socket as ClientSocket,
  io as connectClient,
  type ManagerOptions,
  type SocketOptions,
} from 'socket.io-client';
import { WebSocketServer } from '../../src/websocket-server.js';
import type { WebSocketServerInit } from '../../src/websocket-server-options.js';
import { type RedisProcess, startRedis } from './redis-process.js';

export const TEST_SECRET = 'harness-secret-with-at-least-32-bytes-of-entropy!';
export const TEST_SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT'];

/** A client socket typed for a namespace, as the client sees it. */
export type TestClient<N extends NamespaceName = NamespaceName> = ClientSocket<
  ServerToClientEvents<N>,
  ClientToServerEvents<N>
>;

export interface ConnectOptions extends Partial<ManagerOptions & SocketOptions> {
  /** Sent as `auth.token`. */
  token?: string;
}

export interface TokenOptions {
  /** Seconds until `exp` (default 3600); negative for an expired token. */
  expiresInSec?: number;
  /** Signing secret (default the harness secret). */
  secret?: string;
}

export interface TestServer {
  url: string;
  port: number;
  server: WebSocketServer;
  httpServer: HttpServer;
  /** An HS256 token with the claims (`userId`, `role`, ...); `exp` one hour ahead unless given. */
  token(claims?: JWTPayload & { userId?: string; role?: string }, options?: TokenOptions): Promise<string>;
  /** A real socket.io-client on the namespace (websocket only, no reconnection, a fresh Manager). */
  connect<N extends NamespaceName>(namespace: N, options?: ConnectOptions): TestClient<N>;
  /** Closes every client this harness opened, then the server. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts a `WebSocketServer` on port 0 with an HS256 secret and the test symbols. */
export async function startServer(options: WebSocketServerInit = {}): Promise<TestServer> {
  const httpServer = createServer();
  const server = new WebSocketServer({
    auth: { secret: TEST_SECRET },
    symbols: TEST_SYMBOLS,
    shutdown: { deadlineMs: 2_000, reconnectJitterMs: 100 },
    ...options,
  });
  await server.initialize(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients = new Set<ClientSocket>();
  let closed: Promise<void> | undefined;

  return {
    url,
    port,
    server,
    httpServer,
    token: (claims = {}, tokenOptions = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const { exp, ...rest } = claims;
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(now)
        .setExpirationTime(exp ?? now + (tokenOptions.expiresInSec ?? 3600))
        .sign(new TextEncoder().encode(tokenOptions.secret ?? TEST_SECRET));
    },
    connect: (namespace, connectOptions = {}) => {
      const { token, ...rest } = connectOptions;
      const socket = connectClient(`${url}${namespace}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        ...(token === undefined ? {} : { auth: { token } }),
        ...rest,
      });
      clients.add(socket);
      return socket as unknown as TestClient<typeof namespace>;
    },
    close: () => {
      closed ??= (async () => {
        for (const client of clients) client.disconnect();
        clients.clear();
        await server.close();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      })();
      return closed;
    },
  };
}

/** Server nodes of one test; those on Redis share one private `redis-server`, started with the first of them. */
export interface RedisNodes {
  /** Every node started, in order. */
  readonly nodes: readonly TestServer[];
  /** The shared Redis, once a node on Redis has started it. */
  readonly redis: RedisProcess | undefined;
  /**
   * Starts a node whose adapter runs on the shared Redis (its own `pub`/`sub` clients, the key `prefix`), or, with
   * `withRedis` false, a node alone in memory. `init` is applied last.
   */
  start(init?: WebSocketServerInit, withRedis?: boolean): Promise<TestServer>;
  /** Closes every node, then stops Redis; the next `start` begins afresh. For `afterEach`. */
  close(): Promise<void>;
}

export function redisNodes(prefix = 'test'): RedisNodes {
  let redis: RedisProcess | undefined;
  const nodes: TestServer[] = [];
  return {
    nodes,
    get redis() {
      return redis;
    },
    start: async (init = {}, withRedis = true) => {
      let shared: WebSocketServerInit = {};
      if (withRedis) {
        redis ??= await startRedis();
        shared = { redis: { pub: redis.client(), sub: redis.client(), prefix } };
      }
      const node = await startServer({ ...shared, ...init });
      nodes.push(node);
      return node;
    },
    close: async () => {
      for (const node of nodes.splice(0)) await node.close();
      await redis?.stop();
      redis = undefined;
    },
  };
}

/** Resolves on `connect`, rejects with the `connect_error` (whose `data` is `{ code, message }`). */
export function connected(socket: { once: ClientSocket['once']; connected: boolean }): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error) => reject(err));
  });
}

/** Resolves with the `connect_error`; rejects if the socket connects. */
export function refused(socket: {
  once: ClientSocket['once'];
}): Promise<Error & { data?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, expected a refusal')));
    socket.once('connect_error', (err: Error) => resolve(err));
  });
}

/** Resolves with the first payload of `event`. */
export function nextEvent<T = unknown>(
  socket: { once: ClientSocket['once'] },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    (socket.once as (event: string, fn: (payload: T) => void) => unknown)(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Collects every payload of the given events, in arrival order, as `[event, payload]`. */
export function record(socket: { on: ClientSocket['on'] }, events: string[]): [string, unknown][] {
  const seen: [string, unknown][] = [];
  for (const event of events) {
    (socket.on as (event: string, fn: (payload: unknown) => void) => unknown)(event, (payload) =>
      seen.push([event, payload]),
    );
  }
  return seen;
}

/** Emits with an ack and resolves with the ack's response (10 s timeout). */
export function request<T = Record<string, unknown>>(
  socket: { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } },
  event: string,
  ...args: unknown[]
): Promise<T> {
  return (socket as unknown as ClientSocket).timeout(10_000).emitWithAck(event, ...args) as Promise<T>;
}
