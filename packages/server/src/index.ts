export { AdminAlerts, type AlertInputs } from './admin-alerts.js';
export { type AuthContext, AuthMiddleware, type AuthOptions, type AuthSocket } from './auth-middleware.js';
export { type Clock, systemClock } from './clock.js';
export {
  ClusterFanout,
  type ClusterFanoutDeps,
  type LocalEmitter,
} from './cluster-fanout.js';
export type {
  AuthComponent,
  MetricsComponent,
  NamespaceMiddleware,
  RateLimitComponent,
} from './component-contracts.js';
export {
  type CapKind,
  type ConnectionCounter,
  MemoryConnectionCounter,
  RedisConnectionCounter,
  type RedisConnectionCounterOptions,
} from './connection-counter.js';
export { type ConnectionFilter, type ConnectionIdentity, ConnectionManager } from './connection-manager.js';
export {
  type ConnectionCaps,
  EngineAdmission,
  type EngineAdmissionDeps,
  type EngineConnection,
} from './engine-admission.js';
export { epochNow } from './epoch-clock.js';
export { type InboundContext, InboundHandler, type InboundRoute, route } from './inbound-handler.js';
export { type Logger, silentLogger } from './logger.js';
export { type DepthUpdate, OrderBooks } from './order-books.js';
export { PreEncodedJson, PreEncodedJsonEncoder, preEncodingParser } from './pre-encoded-json.js';
export {
  defaultRateLimitOptions,
  type RateLimit,
  RateLimitMiddleware,
  type RateLimitOptions,
  type RateLimitResult,
  type RateLimitSocket,
} from './rate-limit-middleware.js';
export { DEFAULT_REDIS_PREFIX, redisKey } from './redis-keys.js';
export { createRedisPublisher, type RedisPublisherOptions } from './redis-publisher.js';
export {
  type BusMessage,
  parseBusMessage,
  RedisSequenceStore,
  type RedisSequenceStoreOptions,
  type SequencedKind,
  type SequencedMessage,
} from './redis-sequence-store.js';
export { RedisSnapshotStore } from './redis-snapshot-store.js';
export { defaultRefusalLogOptions, type Refusal, RefusalLog, type RefusalLogOptions } from './refusal-log.js';
export { MemorySequenceStore, type SequenceStore } from './sequence-store.js';
export {
  queuedBytes,
  type SlowConsumerDeps,
  SlowConsumerGuard,
  type SlowConsumerOptions,
} from './slow-consumer-guard.js';
export { MemorySnapshotStore, type RoomSnapshot, type SnapshotStore } from './snapshot-store.js';
export { type RoomRequest, SubscriptionManager } from './subscription-manager.js';
export { RedisUserChannelCounter, type UserChannelCounter } from './user-channel-counter.js';
export { type ChannelReservation, UserChannelGuard } from './user-channel-guard.js';
export { recoverUserStreams, type UserRecoveryDeps } from './user-recovery.js';
export {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryRead,
  MemoryUserStreamHistory,
  RedisUserStreamHistory,
  type UserStreamHistory,
} from './user-stream-history.js';
export {
  type BroadcastEmitter,
  type OrderEventName,
  type PublishInput,
  type PublishItem,
  type PublishOptions,
  WebsocketBroadcast,
  type WebsocketBroadcastDeps,
  type WirePayload,
} from './websocket-broadcast.js';
export { websocketBroadcast } from './websocket-broadcast-facade.js';
export { type TypedNamespace, WebSocketServer } from './websocket-server.js';
export {
  type AlertThresholds,
  defaultAlertThresholds,
  defaultConnectionCaps,
  defaultServerOptions,
  defaultSubscriptionLimits,
  resolveServerOptions,
  type SubscriptionLimits,
  type WebSocketServerInit,
  type WebSocketServerOptions,
} from './websocket-server-options.js';
export { isWsError, WsError } from './ws-error.js';
