import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import type { ClientToServerEvents, NamespaceName, ServerToClientEvents } from '@ws/protocol';
import { WebSocketServer, type WebSocketServerInit } from '@ws/server';
import { type Socket as ClientSocket, io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { type RedisServer, startRedis } from './redis-server.js';
import { signToken, TEST_SECRET, type TokenOptions } from './tokens.js';

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

/** A real `WebSocketServer` on a real HTTP server on loopback port 0 (`await using ts = await startServer()`). */
export interface TestServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** The running server (a new instance after `restart`); throws while stopped. */
  readonly server: WebSocketServer;
  /** The running HTTP server; throws while stopped. */
  readonly httpServer: HttpServer;
  /** An HS256 token signed with `TEST_SECRET` (or `options.secret`), with the claims (`userId`, `role`, …); `exp` one hour ahead unless given. */
  token(claims?: Record<string, unknown>, options?: TokenOptions): string;
  /** A real socket.io-client on the namespace (websocket only, no reconnection, a fresh Manager); not yet connected. */
  connect<N extends NamespaceName>(namespace: N, options?: ConnectOptions): TestClient<N>;
  /** Destroys every TCP connection without a close handshake (a network cut, as the clients see it). */
  dropConnections(): void;
  /** Graceful close of the server, then every remaining connection destroyed; `start()` brings it back on the same port. */
  stop(): Promise<void>;
  /** Starts a fresh server instance on the same port after `stop()`. */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Disconnects every client this server's `connect` opened, then stops it; also what disposing does. Idempotent. */
  close(): Promise<void>;
}

/** Starts a `WebSocketServer` trusting `TEST_SECRET`, with `TEST_SYMBOLS` and a short shutdown; `init` on top. */
export async function startServer(init: WebSocketServerInit = {}): Promise<TestServer> {
  let port = 0;
  let http: HttpServer | undefined;
  let server: WebSocketServer | undefined;
  const sockets = new Set<NetSocket>();
  const clients = new Set<ClientSocket>();

  const start = async () => {
    const httpServer = createServer();
    httpServer.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const ws = new WebSocketServer({
      auth: { secret: TEST_SECRET },
      symbols: TEST_SYMBOLS,
      shutdown: { deadlineMs: 2_000, reconnectJitterMs: 100 },
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

  const close = async () => {
    for (const client of clients) client.disconnect();
    clients.clear();
    await stop();
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
      if (!server) throw new Error('the test server is stopped');
      return server;
    },
    get httpServer() {
      if (!http) throw new Error('the test server is stopped');
      return http;
    },
    token: (claims = {}, options = {}) => signToken(claims, options),
    connect: (namespace, options = {}) => {
      const { token, ...rest } = options;
      const socket = io(`http://127.0.0.1:${port}${namespace}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        ...(token === undefined ? {} : { auth: { token } }),
        ...rest,
      });
      clients.add(socket);
      return socket as unknown as TestClient<typeof namespace>;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Server nodes of one test on one shared private `redis-server`, started with the first of them. */
export interface RedisNodes extends AsyncDisposable {
  /** Every node started, in order. */
  readonly nodes: readonly TestServer[];
  /** The shared Redis, once the first node has started it. */
  readonly redis: RedisServer | undefined;
  /** Starts a node whose adapter runs on the shared Redis (its own `pub`/`sub` clients, the key prefix); `init` last. */
  start(init?: WebSocketServerInit): Promise<TestServer>;
  /** Starts a node alone in memory (no Redis), closed with the others: the single-node baseline of a test. */
  startInMemory(init?: WebSocketServerInit): Promise<TestServer>;
  /** Closes every node, then stops Redis; the next `start` begins afresh (for `afterEach`). */
  close(): Promise<void>;
}

/** Nodes of a Redis-backed cluster under key `prefix`, for tests of what crosses nodes. */
export function redisNodes(prefix = 'test'): RedisNodes {
  let redis: RedisServer | undefined;
  const nodes: TestServer[] = [];
  const close = async () => {
    for (const node of nodes.splice(0)) await node.close();
    await redis?.stop();
    redis = undefined;
  };
  return {
    nodes,
    get redis() {
      return redis;
    },
    start: async (init = {}) => {
      redis ??= await startRedis();
      const node = await startServer({ redis: { pub: redis.client(), sub: redis.client(), prefix }, ...init });
      nodes.push(node);
      return node;
    },
    startInMemory: async (init = {}) => {
      const node = await startServer(init);
      nodes.push(node);
      return node;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
