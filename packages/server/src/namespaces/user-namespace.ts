import { rooms } from '@ws/protocol';
import type { Socket } from 'socket.io';
import type { InboundRoute } from '../inbound/inbound-handler.js';

/**
 * `/user`: no subscription requests. On connect the server joins the socket to the private rooms of the
 * authenticated user id and nothing else, so no client input can ever select another user's room.
 */
export const userRoutes: Readonly<Record<string, InboundRoute>> = {};

/** Joins the private rooms of the socket's verified user id. */
export function joinUserRooms(socket: Socket, userId: string): void {
  void socket.join(rooms.allForUser(userId));
}
