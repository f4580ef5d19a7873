import WebSocket from 'ws';

/** A raw Engine.IO v4 WebSocket client (the `ws` package): no socket.io-client logic in between. */
export interface RawSocket {
  readonly ws: WebSocket;
  /** Every text frame received, in order (`0{...}` open, `2` ping, `40/ns,{...}` connect, `44/ns,{...}` error). */
  readonly frames: string[];
  /** Resolves with the first frame (from now or already received) that starts with `prefix`. */
  frame(prefix: string): Promise<string>;
  send(frame: string): void;
  /** Resolves once the server closed the socket. */
  readonly closed: Promise<void>;
}

/**
 * Opens `ws://…/socket.io/?EIO=4&transport=websocket` with the given headers. Resolves once the Engine.IO open
 * packet arrived; rejects with `{ status }` when the upgrade is refused with an HTTP status.
 */
export function rawWebSocket(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
  const frames: string[] = [];
  const waiters: { prefix: string; resolve(frame: string): void }[] = [];
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('message', (data) => {
    const frame = data.toString();
    // Answer pings, as a client would, so the heartbeat never closes the socket first.
    if (frame === '2') ws.send('3');
    frames.push(frame);
    for (const w of waiters.splice(0)) {
      if (frame.startsWith(w.prefix)) w.resolve(frame);
      else waiters.push(w);
    }
  });
  const raw: RawSocket = {
    ws,
    frames,
    frame: (prefix) => {
      const seen = frames.find((f) => f.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ prefix, resolve }));
    },
    send: (frame) => ws.send(frame),
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
    void raw.frame('0').then(() => resolve(raw));
  });
}

/** A raw Engine.IO polling handshake (`GET /socket.io/?EIO=4&transport=polling`) with fetch. */
export async function pollingHandshake(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** The `sid` of a polling open packet (`0{"sid":…}`). */
export function sidOf(openPacket: string): string {
  return (JSON.parse(openPacket.slice(openPacket.indexOf('{'))) as { sid: string }).sid;
}

/** The payload of a CONNECT_ERROR frame `44/ns,{...}`. */
export function connectErrorOf(frame: string): { message: string; data?: { code: string; retryAfterMs?: number } } {
  return JSON.parse(frame.slice(frame.indexOf('{'))) as { message: string; data?: { code: string } };
}
