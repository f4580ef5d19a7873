import type { ManagerOptions } from 'socket.io-client';

/** A listener of a socket event (each of the gateway's events carries one payload). */
export type SocketListener = (...args: never[]) => void;

/**
 * What the client uses of one namespace's socket: a part of socket.io-client's `Socket`, with the same
 * behaviour, which the default manager's sockets (`MultiplexedSocket`) have too.
 */
export interface ClientSocket {
  readonly connected: boolean;
  /** Connected, or registered with its manager to send its CONNECT whenever the manager opens. */
  readonly active: boolean;
  readonly io: { open(): unknown };
  connect(): unknown;
  disconnect(): unknown;
  on(event: string, listener: SocketListener): unknown;
  once(event: string, listener: SocketListener): unknown;
  off(event: string, listener: SocketListener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  /** The next emit's ack is called with an Error when no answer came within `ms`, or when the socket disconnected. */
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
}

/** What the client uses of a Socket.IO manager: one connection that the namespaces' sockets share. */
export interface SocketManager {
  socket(namespace: string, options: { auth: (cb: (auth: object) => void) => void }): ClientSocket;
  /** socket.io-client's engine, watched for a close inside its handshake (`HandshakeWatch`). */
  readonly engine?: { once(event: string, listener: (reason: string) => void): unknown } | undefined;
}

/** socket.io-client's Manager options; the default manager reads `path`, `query`, `timeout`, `extraHeaders` and ws's socket options. */
export type SocketOptions = Partial<ManagerOptions>;

/** Makes the manager of a client: `url` is the gateway's base URL; `options` the client's `socketOptions`. */
export type ManagerFactory = (url: string, options: SocketOptions) => SocketManager;
