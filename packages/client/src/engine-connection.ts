import { openWebSocket, type WebSocketLike } from './web-socket.js';

/** What an engine connection reports to its manager. */
export interface EngineHost {
  /** The server's OPEN packet arrived: Socket.IO packets can flow. */
  open_(): void;
  /** One Socket.IO packet (the text of an Engine.IO MESSAGE). */
  message_(text: string): void;
  /** The connection ended by itself; `opened` says whether the handshake had completed. Not called after `close()`. */
  closed_(reason: string, opened: boolean): void;
}

/** A browser page's (or worker's) events; absent in Node. */
const page = globalThis as {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
};

/** The options of one engine connection. */
export interface EngineOptions {
  /** Socket.IO's path on the server. Default `/socket.io`. */
  path?: string | undefined;
  /** Extra query parameters of the handshake. */
  query?: Record<string, string> | undefined;
  /** How long the WebSocket and the Engine.IO handshake may take (ms); socket.io-client's `timeout`. */
  timeout?: number | undefined;
}

/** The Engine.IO URL of a Socket.IO server: the WebSocket transport, protocol 4 (Socket.IO 3 and 4 servers). */
export function engineUrl(url: string, { path, query }: EngineOptions): string {
  const location = (globalThis as { location?: { href: string } }).location;
  const u = new URL(url, location?.href);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = `${(path ?? '/socket.io').replace(/\/$/, '')}/`;
  u.hash = '';
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
  u.searchParams.set('EIO', '4');
  u.searchParams.set('transport', 'websocket');
  return u.href;
}

/**
 * One Engine.IO v4 connection over a WebSocket, without long-polling or upgrades: waits for the server's
 * OPEN packet, answers its pings and closes with `ping timeout` when one is late (pingInterval +
 * pingTimeout), the reasons socket.io-client gives (`transport close`, `transport error`, `timeout`).
 */
export class EngineConnection {
  readonly #ws: WebSocketLike;
  readonly #host: EngineHost;
  #opened = false;
  #done = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pingDeadline = 0;
  readonly #offline = () => this.#end('transport close');

  /** `url` is an `engineUrl`. */
  constructor(url: string, options: EngineOptions & Record<string, unknown>, host: EngineHost) {
    this.#host = host;
    const ws = openWebSocket(url, options);
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = ({ data }) => {
      if (typeof data === 'string') this.#onPacket(data);
    };
    ws.onclose = () => this.#end('transport close');
    ws.onerror = () => this.#end(this.#opened ? 'transport error' : 'websocket error');
    this.#arm(options.timeout ?? 20_000, 'timeout');
    // A browser that goes offline keeps a dead WebSocket open until the ping timeout; engine.io-client closes it at once.
    page.addEventListener?.('offline', this.#offline);
  }

  /** Sends one Socket.IO packet. */
  send_(packet: string): void {
    if (this.#opened && !this.#done) this.#ws.send(`4${packet}`);
  }

  /** Closes the connection without reporting it (the manager tells its sockets itself). */
  close(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    page.removeEventListener?.('offline', this.#offline);
    this.#ws.close();
  }

  #onPacket(data: string): void {
    switch (data[0]) {
      case '0': {
        if (this.#opened) return;
        let handshake: { pingInterval?: unknown; pingTimeout?: unknown } | null = null;
        try {
          handshake = JSON.parse(data.slice(1));
        } catch {}
        const { pingInterval, pingTimeout } = handshake ?? {};
        if (typeof pingInterval !== 'number' || typeof pingTimeout !== 'number') {
          this.#end('parse error');
          return;
        }
        this.#opened = true;
        this.#pingDeadline = pingInterval + pingTimeout;
        this.#arm(this.#pingDeadline, 'ping timeout');
        this.#host.open_();
        return;
      }
      case '1':
        this.#end('transport close');
        return;
      case '2':
        this.#ws.send('3');
        this.#arm(this.#pingDeadline, 'ping timeout');
        return;
      case '4':
        if (this.#opened) this.#host.message_(data.slice(1));
    }
  }

  #arm(ms: number, reason: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#end(reason), ms);
  }

  #end(reason: string): void {
    if (this.#done) return;
    this.close();
    this.#host.closed_(reason, this.#opened);
  }
}
