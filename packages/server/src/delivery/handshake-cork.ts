import type { IncomingMessage } from 'node:http';

/** The part of Engine.IO's server this uses: its public `initial_headers` event. */
export interface HandshakeEvents {
  on(event: 'initial_headers', listener: (headers: unknown, req: IncomingMessage) => void): unknown;
}

/**
 * Writes a new WebSocket connection's `101 Switching Protocols` and Engine.IO's `open` packet with one system
 * call instead of two. Engine.IO emits `initial_headers` once it accepted the upgrade, just before the 101 is
 * written: the TCP socket is corked then and uncorked in the check phase of the same event-loop turn, after
 * the handshake (which awaits its id) queued the open packet. The bytes and their order are unchanged. A
 * refused upgrade never gets there, so its error response is not held. One `setImmediate` per turn uncorks
 * every connection accepted in it.
 */
export function corkHandshakes(engine: HandshakeEvents): void {
  let held: { uncork(): void }[] = [];
  const release = () => {
    const sockets = held;
    held = [];
    for (const socket of sockets) socket.uncork();
  };
  engine.on('initial_headers', (_headers, req) => {
    // A polling handshake is one `res.end()` already.
    if (req.headers.upgrade === undefined) return;
    req.socket.cork();
    if (held.push(req.socket) === 1) setImmediate(release);
  });
}
