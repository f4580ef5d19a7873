import type { SocketManager } from './socket-manager.js';

/**
 * socket.io-client's Manager (the `manager` of `@ws/client/polling`) waits for `open` or `error` from a new engine and misses a `close` before the
 * Engine.IO handshake completed — a connection reset right after the WebSocket upgrade, inside the OPEN
 * packet, raises no error — so the attempt would hang until the Manager's connect timeout (20 s) while
 * the Manager still says "opening". `watch` reports such a close once per engine, so the client can fail
 * the attempt at once and retry with its backoff.
 */
export class HandshakeWatch {
  readonly #watched = new WeakSet<object>();

  watch_(manager: SocketManager, onClosed: (reason: string) => void): void {
    const engine = manager.engine;
    if (!engine || this.#watched.has(engine)) return;
    this.#watched.add(engine);
    let settled = false;
    const settle = () => {
      settled = true;
    };
    engine.once('open', settle);
    // The Manager's own listener runs first and has handled the attempt as a connect_error.
    engine.once('error', settle);
    engine.once('close', (reason: string) => {
      if (!settled && manager.engine === engine) onClosed(reason);
    });
  }
}
