import { Manager } from 'socket.io-client';
import { AckHold } from './ack-hold.js';
import { PacketType } from './socket-io-packet.js';
import type { ManagerFactory, SocketManager } from './socket-manager.js';

/** A packet as socket.io-client's Manager hands it to its sockets (socket.io-parser's `Packet`). */
type ManagerPacket = Parameters<Manager['_packet']>[0];

/** socket.io-parser's BINARY_ACK: the gateway sends none, but socket.io-client would decode one. */
const BINARY_ACK = 6;

/**
 * socket.io-client's Manager, holding what follows an ack until the next macrotask (`AckHold`), as the
 * default manager does. A long-polling response carries what the server wrote while no poll request was
 * waiting (a subscribe's ack, confirmation and snapshot), and socket.io-client hands those packets to the
 * sockets a tick (a microtask in browsers) apart, before the ack's awaiter has continued. The hold covers the
 * connection, not one namespace as on the default manager: one order for everything, which keeps each
 * namespace's order too.
 */
class PollingManager extends Manager {
  readonly #hold = new AckHold<ManagerPacket>(
    (packet) => super.emitReserved('packet', packet as never),
    (packet) => packet.type === PacketType.ACK || packet.type === BINARY_ACK,
  );

  // socket.io-client's Manager gives its sockets each packet (and its close) through this protected method.
  protected override emitReserved(event: string, ...args: unknown[]): this {
    if (event === 'packet') this.#hold.push(args[0] as ManagerPacket);
    else {
      // The connection closed: what arrived before the close is delivered before the sockets' `disconnect`.
      if (event === 'close') this.#hold.flush();
      super.emitReserved(event as never, ...(args as never));
    }
    return this;
  }

  // Every socket's writes pass here (public in socket.io-client's types, documented as private).
  override _packet(packet: ManagerPacket): void {
    // A socket's own disconnect sends DISCONNECT, then unsubscribes: what arrived before reaches it first.
    if (packet.type === PacketType.DISCONNECT) this.#hold.flush();
    super._packet(packet);
  }
}

/**
 * The `manager` option for networks whose proxies block WebSocket: socket.io-client's Manager, which
 * connects with HTTP long-polling and upgrades to WebSocket when it can (override with
 * `socketOptions.transports`). It brings socket.io-client's engine, with all its transports, into the bundle.
 * What follows an ack waits for the next macrotask, as with the default manager.
 */
export const pollingManager: ManagerFactory = (url, options) =>
  // socket.io-client's typed-event signatures are generic; its Socket has everything `ClientSocket` names.
  new PollingManager(url, { transports: ['polling', 'websocket'], ...options }) as unknown as SocketManager;
