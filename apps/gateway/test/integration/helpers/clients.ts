import { io, type Socket } from 'socket.io-client';

// Shared with apps/admin-cli's tests (imported by relative path, as they import the gateway itself).

/** A real socket.io-client over WebSocket, connected (rejects with the connect_error). */
export async function connect(url: string, namespace: string, token?: string): Promise<Socket> {
  const socket = io(`${url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10_000,
    ...(token ? { auth: { token } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return socket;
}

/** Emits a request and resolves with its ack. */
export function request<T = { ok: boolean; [key: string]: unknown }>(
  socket: Socket,
  event: string,
  payload: unknown,
): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<T>;
}

/** Collects every `event` the socket receives. */
export function collect<T = Record<string, unknown>>(socket: Socket, event: string): T[] {
  const out: T[] = [];
  socket.on(event, (payload: T) => out.push(payload));
  return out;
}

/** Resolves with the first payload of `event`. */
export function next<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: T) => resolve(payload)));
}

/** Resolves with the reason once the server disconnects `socket`. */
export function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** Closes sockets that may already be closed. */
export function closeAll(sockets: readonly (Socket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}
