import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { TEST_SECRET } from './test-gateway.js';

/** Signs an HS256 token (`sub`, `role`) valid for 10 minutes. */
export function signToken(claims: { sub: string; role?: string }, secret = TEST_SECRET): Promise<string> {
  return new SignJWT({ ...(claims.role ? { role: claims.role } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

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

/** Resolves with the reason once the server disconnects `socket`. */
export function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** Resolves with the first payload of `event`. */
export function next<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, (payload: T) => resolve(payload)));
}

/** Closes sockets that may already be closed. */
export function closeAll(sockets: readonly (Socket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}
