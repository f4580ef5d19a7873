/**
 * `@ws/server`: what an application calls. Everything else the package is made of (its components, stores,
 * and the contracts to implement one of your own) is in `@ws/server/internal`, which may change in any
 * release. A test pins this list.
 */
import type { WebSocketBroadcast as Broadcast } from './publish/websocket-broadcast.js';

export { AuthMiddleware, type AuthOptions } from './admission/auth-middleware.js';
export { RateLimitMiddleware, type RateLimitOptions } from './admission/rate-limit-middleware.js';
export type { Clock } from './clock.js';
export { epochNow } from './epoch-clock.js';
export type { Logger } from './logger.js';
export { createRedisPublisher, type RedisPublisherOptions } from './publish/redis-publisher.js';
export { redisKey } from './redis-keys.js';
export { websocketBroadcast } from './websocket-broadcast-facade.js';
export { type TypedNamespace, WebSocketServer } from './websocket-server.js';
export {
  defaultServerOptions,
  type WebSocketServerInit,
  type WebSocketServerOptions,
} from './websocket-server-options.js';
export { WsConfigError } from './ws-config-error.js';
export { isWsError, WsError } from './ws-error.js';

/**
 * The broadcast service of a server (`server.broadcast`, `websocketBroadcast`) and of `createRedisPublisher`.
 * A type here (an alias, which the declaration bundle keeps a type): the server builds the class itself.
 */
export type WebSocketBroadcast = Broadcast;
