import { AckHold } from './ack-hold.js';
import { type Packet, PacketType } from './socket-io-packet.js';
import type { ClientSocket, SocketListener } from './socket-manager.js';
import type { WebSocketManager } from './websocket-manager.js';

type Ack = (error: Error | null, ...args: unknown[]) => void;
type Handler = (...args: unknown[]) => void;

/**
 * One namespace's socket on the `WebSocketManager`'s connection, with socket.io-client's `Socket`
 * behaviour for what `ClientSocket` has: CONNECT with `auth` whenever the manager opens while the socket
 * is active, `connect_error` (with the server's `data`) and `disconnect` with socket.io's reasons, acks
 * with timeouts that fail when the socket disconnects. An emit while not connected is not buffered: its
 * ack fails at once.
 *
 * What arrives after an ack waits for the next macrotask, in order (`AckHold`): a listener added right after
 * `await client.subscribePrices(…)` gets the snapshot that came in the same read as the ack.
 */
export class MultiplexedSocket implements ClientSocket {
  connected = false;
  readonly io: WebSocketManager;
  readonly #nsp: string;
  readonly #auth: (cb: (auth: object) => void) => void;
  readonly #listeners = new Map<string, { fn: Handler; once: boolean }[]>();
  readonly #acks = new Map<number, Ack>();
  #active = false;
  #ids = 0;
  readonly #hold = new AckHold<Packet>(
    (packet) => this.#dispatch(packet),
    (packet) => packet.type === PacketType.ACK,
  );

  constructor(io: WebSocketManager, nsp: string, auth: (cb: (auth: object) => void) => void) {
    this.io = io;
    this.#nsp = nsp;
    this.#auth = auth;
  }

  get active(): boolean {
    return this.#active;
  }

  connect(): this {
    if (this.connected) return this;
    this.#active = true;
    this.io.open();
    if (this.io.open_) this.onOpen_();
    return this;
  }

  disconnect(): this {
    const connected = this.connected;
    if (connected) this.#packet(PacketType.DISCONNECT);
    this.#active = false;
    this.io.release_();
    if (connected) this.onClose_('io client disconnect');
    return this;
  }

  on(event: string, listener: SocketListener): this {
    return this.#add(event, listener, false);
  }

  once(event: string, listener: SocketListener): this {
    return this.#add(event, listener, true);
  }

  off(event: string, listener: SocketListener): this {
    const list = this.#listeners.get(event);
    const i = list?.findIndex((l) => l.fn === listener) ?? -1;
    if (i >= 0) list?.splice(i, 1);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args.pop();
      // A plain ack gets no error argument and is dropped on disconnect, as in socket.io-client.
      this.#send(event, args, (error, ...response) => {
        if (!error) (last as Handler)(...response);
      });
    } else this.#send(event, args);
    return this;
  }

  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown } {
    return {
      emit: (event, ...args) => {
        const ack = args.pop() as Ack;
        const timer = setTimeout(() => {
          this.#acks.delete(id);
          ack(new Error('operation has timed out'));
        }, ms);
        const id = this.#send(event, args, (error, ...response) => {
          clearTimeout(timer);
          ack(error, ...response);
        });
      },
    };
  }

  /** The manager's engine is open: (re)sends this namespace's CONNECT. */
  onOpen_(): void {
    this.#auth((data) => this.#packet(PacketType.CONNECT, data));
  }

  onPacket_(packet: Packet): void {
    this.#hold.push(packet);
  }

  #dispatch({ type, id, data }: Packet): void {
    if (type === PacketType.CONNECT) {
      this.connected = true;
      this.#fire('connect');
    } else if (type === PacketType.EVENT) {
      if (!this.connected) return;
      const [event, ...args] = data as [string, ...unknown[]];
      if (id !== undefined) args.push((...response: unknown[]) => this.#packet(PacketType.ACK, response, id));
      this.#fire(event, ...args);
    } else if (type === PacketType.ACK) {
      const ack = this.#acks.get(id ?? -1);
      this.#acks.delete(id ?? -1);
      ack?.(null, ...(data as unknown[]));
    } else {
      this.#active = false;
      this.io.release_();
      if (type === PacketType.DISCONNECT) this.onClose_('io server disconnect');
      else {
        const { message, data: details } = data as { message?: string; data?: unknown };
        this.onError_(Object.assign(new Error(message), { data: details }));
      }
    }
  }

  /** The connection closed: `disconnect`, and every pending ack fails. */
  onClose_(reason: string): void {
    // What arrived before the close is delivered before it.
    this.#hold.flush();
    this.connected = false;
    this.#fire('disconnect', reason);
    const acks = [...this.#acks.values()];
    this.#acks.clear();
    const error = new Error('socket has been disconnected');
    for (const ack of acks) ack(error);
  }

  /** The connection failed (or the server refused this namespace): `connect_error`. */
  onError_(error: Error): void {
    if (!this.connected) this.#fire('connect_error', error);
  }

  #send(event: string, args: unknown[], ack?: Ack): number {
    const id = this.#ids++;
    if (ack && !this.connected) ack(new Error('socket is not connected'));
    else {
      if (ack) this.#acks.set(id, ack);
      if (this.connected) this.#packet(PacketType.EVENT, [event, ...args], ack && id);
    }
    return id;
  }

  #packet(type: number, data?: unknown, id?: number): void {
    this.io.packet_({ type, nsp: this.#nsp, id, data });
  }

  #add(event: string, fn: SocketListener, once: boolean): this {
    const list = this.#listeners.get(event) ?? [];
    this.#listeners.set(event, list);
    list.push({ fn: fn as Handler, once });
    return this;
  }

  #fire(event: string, ...args: unknown[]): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const l of [...list]) {
      if (l.once) this.off(event, l.fn);
      l.fn(...args);
    }
  }
}
