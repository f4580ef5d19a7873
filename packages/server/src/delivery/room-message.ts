import type { NamespaceName } from '@ws/protocol';

/** One server→client event with its payload, as it goes to a socket. */
export interface OutboundEvent {
  readonly event: string;
  readonly payload: object;
}

/** An event for every client of one namespace on this node (system messages, admin stats). */
export interface NamespaceMessage extends OutboundEvent {
  readonly namespace: NamespaceName;
}

/** A finished wire message for the members of one room. */
export interface RoomMessage extends NamespaceMessage {
  readonly room: string;
  /**
   * When the message entered the platform (epoch ms, on whichever node published it), for propagation
   * latency; absent for messages no publisher sent (a resync snapshot).
   */
  readonly enteredAt?: number | undefined;
}
