/**
 * `@ws/server/internal`: the parts `WebSocketServer` is composed of, for this repository's own apps, tests and
 * tools, and for an application that implements one of the contracts (a `SequenceStore`, a `ConnectionCounter`,
 * an `AuthComponent`, …) itself. Not a stable API: names and signatures may change in any release. The stable
 * front door is `@ws/server`.
 */
export { AdminAlerts, type AlertInputs, type AlertThresholds } from './admin/admin-alerts.js';
export type { AuthContext, AuthSocket } from './admission/auth-middleware.js';
export {
  type CapKind,
  type ConnectionCounter,
  MemoryConnectionCounter,
  RedisConnectionCounter,
  type RedisConnectionCounterOptions,
} from './admission/connection-counter.js';
export {
  type ConnectionCaps,
  EngineAdmission,
  type EngineAdmissionDeps,
  type EngineConnection,
} from './admission/engine-admission.js';
export {
  defaultRateLimitOptions,
  type RateLimit,
  type RateLimitResult,
  type RateLimitSocket,
} from './admission/rate-limit-middleware.js';
export { defaultRefusalLogOptions, type Refusal, RefusalLog, type RefusalLogOptions } from './admission/refusal-log.js';
export { systemClock } from './clock.js';
export {
  ClusterFanout,
  type ClusterFanoutDeps,
  type LocalDelivery,
} from './cluster/cluster-fanout.js';
export type {
  AuthComponent,
  MetricsComponent,
  NamespaceMiddleware,
  RateLimitComponent,
} from './component-contracts.js';
export { type ConnectionFilter, type ConnectionIdentity, ConnectionManager } from './connection-manager.js';
export { RoomDelivery, type RoomDeliveryDeps, type RoomDeliveryOptions } from './delivery/room-delivery.js';
export type { NamespaceMessage, OutboundEvent, RoomMessage } from './delivery/room-message.js';
export {
  type SlowConsumerDeps,
  SlowConsumerGuard,
  type SlowConsumerOptions,
} from './delivery/slow-consumer-guard.js';
export { PreEncodedJson, PreEncodedJsonEncoder, preEncodingParser } from './encoding/pre-encoded-json.js';
export { type InboundContext, InboundHandler, type InboundRoute, route } from './inbound/inbound-handler.js';
export { silentLogger } from './logger.js';
export {
  type BroadcastDelivery,
  type OrderEventName,
  type PublishInput,
  type PublishItem,
  type PublishOptions,
  WebSocketBroadcast,
  type WebSocketBroadcastDeps,
  type WirePayload,
} from './publish/websocket-broadcast.js';
export { recoverUserStreams, type UserRecoveryDeps } from './recovery/user-recovery.js';
export { DEFAULT_REDIS_PREFIX } from './redis-keys.js';
export { type DepthUpdate, OrderBooks } from './state/order-books.js';
export { parseBusMessage, RedisSequenceStore, type RedisSequenceStoreOptions } from './state/redis-sequence-store.js';
export { RedisSnapshotStore } from './state/redis-snapshot-store.js';
export { MemorySequenceStore, type SequenceStore } from './state/sequence-store.js';
export type { BusMessage, SequencedKind, SequencedMessage } from './state/sequenced-message.js';
export { MemorySnapshotStore, type RoomSnapshot, type SnapshotStore } from './state/snapshot-store.js';
export {
  type HistoryEntry,
  type HistoryLimits,
  type HistoryRead,
  MemoryUserStreamHistory,
  RedisUserStreamHistory,
  type UserStreamHistory,
} from './state/user-stream-history.js';
export {
  type RoomRequest,
  type SubscriptionLimits,
  SubscriptionManager,
} from './subscriptions/subscription-manager.js';
export { RedisUserChannelCounter, type UserChannelCounter } from './subscriptions/user-channel-counter.js';
export { type ChannelReservation, UserChannelGuard } from './subscriptions/user-channel-guard.js';
export {
  defaultAlertThresholds,
  defaultConnectionCaps,
  defaultSubscriptionLimits,
  resolveServerOptions,
} from './websocket-server-options.js';
