import { Manager } from 'socket.io-client';
import type { ManagerFactory, SocketManager } from './socket-manager.js';

/**
 * The `manager` option for networks whose proxies block WebSocket: socket.io-client's Manager, which
 * connects with HTTP long-polling and upgrades to WebSocket when it can (override with
 * `socketOptions.transports`). It brings socket.io-client's engine, with all its transports, into the bundle.
 */
export const pollingManager: ManagerFactory = (url, options) =>
  // socket.io-client's typed-event signatures are generic; its Socket has everything `ClientSocket` names.
  new Manager(url, { transports: ['polling', 'websocket'], ...options }) as unknown as SocketManager;
