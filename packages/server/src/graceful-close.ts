import { NAMESPACE_NAMES } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { ServerRuntime } from './runtime/server-runtime.js';

/**
 * Graceful shutdown of an initialized server: tells every client `system.message` type `reconnect` with a
 * jittered `reconnectAfterMs`, lets queued frames flush, disconnects everyone, releases the components and
 * closes Socket.IO, all within `shutdown.deadlineMs`. New connections are already refused (the server is
 * `closing`).
 */
export async function closeGracefully(rt: ServerRuntime): Promise<void> {
  rt.delivery.close();
  rt.fanout?.close();
  const deadline = Date.now() + rt.options.shutdown.deadlineMs;
  const jitter = rt.options.shutdown.reconnectJitterMs;
  const sockets: Socket[] = [];
  for (const name of NAMESPACE_NAMES) {
    for (const socket of rt.io.of(name).sockets.values()) sockets.push(socket as unknown as Socket);
  }
  for (const socket of sockets) {
    rt.delivery.send(socket, {
      event: 'system.message',
      payload: {
        type: 'reconnect',
        message: 'server is shutting down; reconnect',
        timestamp: Date.now(),
        reconnectAfterMs: Math.floor(Math.random() * (jitter + 1)),
      },
    });
  }
  await Promise.all(sockets.map((s) => flushed(s, deadline)));
  for (const name of NAMESPACE_NAMES) rt.io.of(name).local.disconnectSockets(true);
  releaseComponents(rt);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
    void rt.io.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (rt.ownsMetrics) rt.metrics.close();
  rt.options.logger.info({}, 'websocket server closed');
}

/**
 * Resolves once the socket's transport has written everything queued, or at the deadline. The engine
 * refills the transport on each transport `drain`, so wait until it is drained and writable.
 */
async function flushed(socket: Socket, deadline: number): Promise<void> {
  const conn = socket.conn;
  while (conn.readyState === 'open' && !conn.transport.writable && Date.now() < deadline) {
    const transport = conn.transport;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        transport.off('drain', done);
        conn.off('close', done);
        resolve();
      }
      transport.once('drain', done);
      conn.once('close', done);
    });
  }
}

/**
 * Releases an attached runtime that never served (its bus failed to start): the clients Engine.IO accepted
 * while it waited (none can have reached a namespace) are closed and the components let go, without closing
 * the HTTP server, which belongs to the caller.
 */
export function abandon(rt: ServerRuntime): void {
  rt.delivery.close();
  rt.fanout?.close();
  rt.io.engine.close();
  releaseComponents(rt);
  if (rt.ownsMetrics) rt.metrics.close();
}

/** What both ends let go once no client is served: expiry timers, slot heartbeats, the refusal log, the adapter's listeners. */
function releaseComponents(rt: ServerRuntime): void {
  rt.auth?.close();
  rt.counter.close();
  rt.refusals.close();
  rt.detach();
}
