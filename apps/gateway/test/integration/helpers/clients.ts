import { io, type Socket } from 'socket.io-client';

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

/** Closes sockets that may already be closed. */
export function closeAll(sockets: (Socket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}
