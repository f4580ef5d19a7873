import { randomUUID } from 'node:crypto';
import {
  type AdminStats,
  handshakeValidators,
  NAMESPACE_NAMES,
  type NamespaceName,
  rooms,
  type SocketData,
  type UserRecoverySince,
} from '@ws/protocol';
import type { Socket } from 'socket.io';
import { isBusRoom } from './cluster/bus-channels.js';
import type { MetricsComponent, NamespaceMiddleware } from './component-contracts.js';
import type { InboundRoute } from './inbound/inbound-handler.js';
import { joinUserRooms } from './namespaces/user-namespace.js';
import { recoverUserStreams, type UserRecoveryDeps } from './recovery/user-recovery.js';
import type { ServerRuntime, TypedServer } from './runtime/server-runtime.js';
import { WsError } from './ws-error.js';

export interface ConnectionLifecycleOptions {
  /** Each namespace's route table (with the common routes). */
  routes: Record<NamespaceName, Record<string, InboundRoute>>;
  /** Each namespace's admission chain. */
  admission(name: NamespaceName): NamespaceMiddleware;
  /** What an admin hears at once on connecting: this node's stats. */
  adminStats(): AdminStats;
}

/** The part of an Engine.IO socket the heartbeat timing listens to. */
interface EngineConnection {
  on(event: 'packetCreate' | 'packet', listener: (this: EngineConnection, packet: { type: string }) => void): unknown;
}

/**
 * Every connection from admission to disconnect: the namespaces' admission chains, set-up on connect
 * (session data, registries, rooms, inbound routes, auth expiry, `/user` recovery, `connection.authenticated`),
 * release on disconnect, room bookkeeping and heartbeat timing. The refusal of namespaces the protocol does
 * not declare is wired earlier, when Socket.IO is attached (`refuseUndeclaredNamespaces`).
 */
export function wireConnections(rt: ServerRuntime, options: ConnectionLifecycleOptions): void {
  observeHeartbeats(rt.io, rt.metrics);
  for (const name of NAMESPACE_NAMES) {
    const nsp = rt.io.of(name);
    nsp.use(options.admission(name) as Parameters<typeof nsp.use>[0]);
    const fanout = rt.fanout;
    if (name === '/user' && fanout) {
      // Accepted once the bus carries the user's streams to this node: nothing published after the client
      // sees it connected can miss it.
      nsp.use((socket, next) => {
        const userId = (socket.data as Partial<SocketData>).userId;
        if (typeof userId !== 'string') return next();
        void fanout.subscribed(rooms.allForUser(userId)).then(() => next());
      });
    }
    // Last: the namespace CONNECT and what the connection handler sends at once leave in one write. Socket.IO
    // connects on the tick after the middlewares; the release is queued after that.
    nsp.use((socket, next) => {
      const release = rt.delivery.holdWrites(socket as unknown as Socket);
      next();
      if (release) process.nextTick(release);
    });
    const routes = options.routes[name];
    const onDisconnect = disconnectListener(rt, name);
    nsp.on('connection', (socket) =>
      onConnection(rt, { name, socket: socket as unknown as Socket, routes, onDisconnect, options }),
    );
    nsp.adapter.on('join-room', (room: string, id: string) => rt.connections.joined(name, room, id));
    nsp.adapter.on('leave-room', (room: string, id: string) => rt.connections.left(room, id));
    nsp.adapter.on('delete-room', (room: string) => rt.connections.roomDeleted(name, room));
    if (fanout) {
      // The node follows a room's bus channel while it has a member there (first join, last leave).
      nsp.adapter.on('create-room', (room: string) => isBusRoom(name, room) && fanout.roomJoined(room));
      nsp.adapter.on('delete-room', (room: string) => isBusRoom(name, room) && fanout.roomLeft(room));
    }
  }
}

/** One listener per namespace, shared by its sockets (called with the socket as `this`). */
function disconnectListener(rt: ServerRuntime, name: NamespaceName): (this: Socket, reason: string) => void {
  const { subscriptions, guard, connections, rateLimit, metrics } = rt;
  const logger = rt.options.logger;
  return function (this: Socket, reason: string): void {
    logger.debug({ socketId: this.id, namespace: name, userId: this.data.userId ?? null, reason }, 'disconnected');
    subscriptions.release(this.id);
    guard?.release(this.id);
    connections.remove(this.id);
    rateLimit?.release(this);
    metrics.connectionClosed(name);
  };
}

interface Connecting {
  name: NamespaceName;
  socket: Socket;
  routes: Record<string, InboundRoute>;
  onDisconnect: (this: Socket, reason: string) => void;
  options: ConnectionLifecycleOptions;
}

function onConnection(rt: ServerRuntime, { name, socket, routes, onDisconnect, options }: Connecting): void {
  try {
    const data = describe(rt, socket);
    const userId = data.userId;
    rt.connections.add({
      socketId: socket.id,
      namespace: name,
      userId,
      role: data.role,
      ip: data.ip,
      userAgent: data.userAgent,
      connectedAt: data.connectedAt,
    });
    rt.subscriptions.register(socket.id, name, userId);
    rt.metrics.connectionOpened(name);
    rt.options.logger.debug({ socketId: socket.id, namespace: name, userId, ip: data.ip }, 'connected');
    socket.on('disconnect', onDisconnect);
    if (userId !== null) {
      // Lets disconnect-by-user find the user's sockets on every namespace, cluster-wide.
      if (name === '/user') joinUserRooms(socket, userId);
      else void socket.join(rooms.user(userId));
    }
    rt.inbound.attach(socket, name, routes);
    if (rt.auth && data.tokenExpiresAt !== null) rt.auth.watch(socket);
    authenticate(rt, socket, data);
    // An admin hears this node's state (and any alert still firing) at once, not at the next tick.
    if (name === '/admin') rt.delivery.send(socket, { event: 'admin.stats', payload: options.adminStats() });
  } catch (err) {
    rt.options.logger.error({ err, namespace: name }, 'connection setup failed');
    rt.metrics.error('INTERNAL', name);
    socket.disconnect(true);
  }
}

/** The session data every handler reads: id, user, connect time, IP and user agent. */
function describe(rt: ServerRuntime, socket: Socket): SocketData {
  const data = socket.data as Partial<SocketData>;
  const forwarded = socket.handshake.headers['user-agent'];
  data.sessionId = randomUUID();
  data.userId ??= null;
  data.role ??= null;
  data.tokenExpiresAt ??= null;
  data.connectedAt = Date.now();
  data.ip = rt.admission.ipOf(socket);
  data.userAgent = typeof forwarded === 'string' ? forwarded.slice(0, 256) : '';
  return data as SocketData;
}

/** `connection.authenticated`; on `/user` after the recovery of the private streams decided what it says. */
function authenticate(rt: ServerRuntime, socket: Socket, data: SocketData): void {
  const name = socket.nsp.name as NamespaceName;
  const userId = data.userId;
  const authenticated = (recovered?: boolean, streams?: UserRecoverySince) =>
    rt.delivery.send(socket, {
      event: 'connection.authenticated',
      payload: {
        namespace: name,
        sessionId: data.sessionId,
        userId,
        role: data.role,
        serverTime: Date.now(),
        ...(recovered === undefined ? {} : { recovered }),
        ...(streams === undefined ? {} : { streams }),
      },
    });
  if (name !== '/user' || userId === null) {
    authenticated();
    return;
  }
  const raw = (socket.handshake.auth as { since?: unknown } | undefined)?.since;
  const checked = raw === undefined ? undefined : handshakeValidators['/user'].since.validate(raw);
  void recoverUserStreams(
    socket,
    {
      userId,
      since: checked?.ok ? checked.value : undefined,
      // An invalid `since` is never trusted: no replay, and the client is told recovery failed.
      onRecovered: (recovered, streams) => authenticated(checked && !checked.ok ? false : recovered, streams),
    },
    recoveryDeps(rt),
  );
}

/** What `/user` recovery needs from the runtime (also after a bus outage). */
export function recoveryDeps(rt: ServerRuntime): UserRecoveryDeps {
  return {
    history: rt.history,
    ...(rt.fanout ? { holds: rt.fanout } : {}),
    send: (s, message) => rt.delivery.send(s, message),
    logger: rt.options.logger,
  };
}

/**
 * Times Engine.IO's heartbeat on every connection: from the server queuing its `ping` to the client's
 * `pong` arriving (`ws_ping_rtt_seconds`). Two listener functions shared by every connection (called with
 * the connection as `this`), run once per ping interval; the pending ping's time sits in a WeakMap.
 */
function observeHeartbeats(io: TypedServer, metrics: MetricsComponent): void {
  if (!metrics.observePingRtt) return;
  const pingAt = new WeakMap<EngineConnection, number>();
  const onPacketCreate = function (this: EngineConnection, packet: { type: string }): void {
    if (packet.type === 'ping') pingAt.set(this, performance.now());
  };
  const onPacket = function (this: EngineConnection, packet: { type: string }): void {
    if (packet.type !== 'pong') return;
    const at = pingAt.get(this);
    if (at === undefined) return;
    metrics.observePingRtt?.((performance.now() - at) / 1000);
    pingAt.delete(this);
  };
  io.engine.on('connection', (conn: EngineConnection) => {
    conn.on('packetCreate', onPacketCreate);
    conn.on('packet', onPacket);
  });
}

/**
 * Socket.IO always serves the root namespace `/`: refuse it (NOT_FOUND), so no client holds a connection that
 * skipped the namespaces' admission. Undeclared namespaces are refused by Socket.IO itself ("Invalid namespace");
 * they are counted and logged here (Socket.IO does not tell who asked). Wired as soon as Socket.IO is attached,
 * before the bus is started: while `initialize()` waits for Redis, `/` already refuses (a declared namespace
 * created later takes precedence over this catch-all).
 */
export function refuseUndeclaredNamespaces(rt: ServerRuntime): void {
  rt.io.of('/').use((socket, next) => {
    const message = `namespace "/" is not served; connect to ${NAMESPACE_NAMES.join(', ')}`;
    rt.metrics.connectionRefused('/', 'NOT_FOUND');
    rt.refusals.connection({
      code: 'NOT_FOUND',
      namespace: '/',
      ip: rt.admission.ipOf(socket as unknown as Socket),
      userId: null,
      reason: message,
    });
    next(new WsError('NOT_FOUND', message).toConnectError());
  });
  rt.io.of((name, _auth, next) => {
    rt.metrics.connectionRefused(name, 'NOT_FOUND');
    rt.refusals.connection({
      code: 'NOT_FOUND',
      namespace: name.slice(0, 100),
      ip: null,
      userId: null,
      reason: 'Invalid namespace',
    });
    next(null, false);
  });
}
