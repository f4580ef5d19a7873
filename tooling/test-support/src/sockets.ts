import { io, type Socket } from 'socket.io-client';

/** What the helpers need of a socket: a typed `Socket<…>` of any namespace passes. */
interface Listenable {
  once: Socket['once'];
}

/** A real socket.io-client over WebSocket, connected (rejects with the `connect_error`, after closing it). */
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

/** Resolves on `connect`, rejects with the `connect_error` (whose `data` is `{ code, message }`). */
export function connected(socket: Listenable & { connected: boolean }): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error) => reject(err));
  });
}

/** Resolves with the `connect_error`; rejects if the socket connects. */
export function refused(
  socket: Listenable,
): Promise<Error & { data?: { code: string; message: string; retryAfterMs?: number } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, expected a refusal')));
    socket.once('connect_error', (err: Error) => resolve(err));
  });
}

/** Resolves with the reason once the socket is disconnected. */
export function disconnected(socket: Listenable): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason: string) => resolve(reason)));
}

/** Resolves with the first payload of `event`; rejects after `timeoutMs` (a bound on waiting, not a deadline). */
export function nextEvent<T = unknown>(socket: Listenable, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
    (socket.once as (event: string, fn: (payload: T) => void) => unknown)(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Collects every payload of `event`, in arrival order. */
export function collect<T = Record<string, unknown>>(socket: { on: Socket['on'] }, event: string): T[] {
  const out: T[] = [];
  (socket.on as (event: string, fn: (payload: T) => void) => unknown)(event, (payload: T) => out.push(payload));
  return out;
}

/** Collects every payload of the given events, in arrival order, as `[event, payload]`. */
export function record(socket: { on: Socket['on'] }, events: readonly string[]): [string, unknown][] {
  const seen: [string, unknown][] = [];
  for (const event of events) {
    (socket.on as (event: string, fn: (payload: unknown) => void) => unknown)(event, (payload) =>
      seen.push([event, payload]),
    );
  }
  return seen;
}

/** Emits with an ack and resolves with the ack's response (10 s timeout). */
export function request<T = { ok: boolean; [key: string]: unknown }>(
  socket: { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } },
  event: string,
  ...args: unknown[]
): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>;
}

/** Closes sockets that may already be closed. */
export function closeAll(sockets: readonly ({ close(): unknown } | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}
