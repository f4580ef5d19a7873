import { EngineConnection, type EngineOptions, engineUrl } from './engine-connection.js';
import { MultiplexedSocket } from './multiplexed-socket.js';
import { decodePacket, encodePacket, type Packet } from './socket-io-packet.js';
import type { ManagerFactory, SocketManager, SocketOptions } from './socket-manager.js';

/**
 * The default manager: Socket.IO over one WebSocket, the namespaces multiplexed on it, as socket.io-client's
 * Manager does with `transports: ['websocket']` and `reconnection: false`, without its long-polling and
 * WebTransport code. It opens the engine when a socket connects, tells the sockets when it closes, closes
 * it when the last socket leaves, and never reconnects by itself (the client does, with its backoff).
 * Unlike socket.io-client's, a close inside the Engine.IO handshake fails the attempt at once.
 */
export class WebSocketManager implements SocketManager {
  readonly #url: string;
  readonly #options: SocketOptions;
  readonly #sockets = new Map<string, MultiplexedSocket>();
  #engine: EngineConnection | undefined;
  #open = false;

  constructor(url: string, options: SocketOptions) {
    // Parsed here, so a malformed URL is an error of the client's constructor, as with socket.io-client.
    this.#url = engineUrl(url, options);
    this.#options = options;
  }

  socket(namespace: string, options: { auth: (cb: (auth: object) => void) => void }): MultiplexedSocket {
    let socket = this.#sockets.get(namespace);
    if (!socket) {
      socket = new MultiplexedSocket(this, namespace, options.auth);
      this.#sockets.set(namespace, socket);
    }
    return socket;
  }

  /** The engine's handshake completed: sockets can send their CONNECT. */
  get open_(): boolean {
    return this.#open;
  }

  /** Opens the engine unless it is open or opening; every active socket connects once it is. */
  open(): void {
    if (this.#engine) return;
    this.#engine = new EngineConnection(this.#url, this.#options as EngineOptions & Record<string, unknown>, {
      open_: () => {
        this.#open = true;
        for (const s of this.#active()) s.onOpen_();
      },
      message_: (text) => {
        const packet = decodePacket(text);
        if (packet) this.#sockets.get(packet.nsp)?.onPacket_(packet);
        else this.#closed('parse error', true);
      },
      closed_: (reason, opened) => this.#closed(reason, opened),
    });
  }

  packet_(packet: Packet): void {
    this.#engine?.send_(encodePacket(packet));
  }

  /** A socket left: the engine closes with the last active socket (socket.io's behaviour). */
  release_(): void {
    if (this.#active().length === 0) this.#stop();
  }

  #closed(reason: string, opened: boolean): void {
    this.#stop();
    // Before the handshake completed it is a failed attempt (`connect_error`), after it a `disconnect`.
    const error = new Error(reason);
    for (const s of this.#active()) {
      if (opened) s.onClose_(reason);
      else s.onError_(error);
    }
  }

  #stop(): void {
    this.#engine?.close();
    this.#engine = undefined;
    this.#open = false;
  }

  #active(): MultiplexedSocket[] {
    return [...this.#sockets.values()].filter((s) => s.active);
  }
}

/** The default `manager` option. */
export const webSocketManager: ManagerFactory = (url, options) => new WebSocketManager(url, options);
