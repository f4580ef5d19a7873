/** Latency buckets in seconds, from 0.1 ms to 5 s. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Recipients of one broadcast, from one client to a hundred thousand. */
const FANOUT_BUCKETS = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000, 100000];

/** One Prometheus metric of the gateway, as exported (without the prefix, `ws_` by default). */
export interface MetricDefinition {
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** `{window}` stands for the rate window in seconds. */
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  /** Recorded with a weight per observation (one frame to N recipients is N observations in one call). */
  readonly weighted?: boolean;
}

/**
 * Every metric `WebSocketMetrics` exports, in exposition order: the dashboards (deploy/grafana), the alert
 * rules (deploy/prometheus) and the tests read these names and labels, so they do not change.
 */
export const METRIC_DEFINITIONS = {
  connections: { type: 'gauge', help: 'Open connections per namespace.', labels: ['namespace'] },
  connections_opened_total: { type: 'counter', help: 'Connections accepted per namespace.', labels: ['namespace'] },
  connection_attempts_total: {
    type: 'counter',
    help: 'Connection attempts (handshakes) per namespace.',
    labels: ['namespace'],
  },
  connection_refusals_total: {
    type: 'counter',
    help: 'Refused connections per namespace ("none" when refused at the Engine.IO request, before any namespace) and error code.',
    labels: ['namespace', 'code'],
  },
  messages_received_total: {
    type: 'counter',
    help: 'Messages received from clients per namespace and event.',
    labels: ['namespace', 'event'],
  },
  messages_received_bytes_total: {
    type: 'counter',
    help: 'Payload bytes received from clients.',
    labels: ['namespace', 'event'],
  },
  messages_sent_total: {
    type: 'counter',
    help: 'Messages delivered to clients (one per recipient).',
    labels: ['namespace', 'event'],
  },
  messages_sent_bytes_total: {
    type: 'counter',
    help: 'Payload bytes delivered to clients (frame size times recipients).',
    labels: ['namespace', 'event'],
  },
  broadcasts_total: {
    type: 'counter',
    help: 'Broadcasts (one emit to a room or namespace) per namespace and event.',
    labels: ['namespace', 'event'],
  },
  messages_conflated_total: {
    type: 'counter',
    help: 'Broadcasts superseded by a newer one of the same room before they were sent (overload conflation).',
    labels: ['namespace', 'event'],
  },
  errors_total: {
    type: 'counter',
    help: 'Errors per namespace ("none" when outside one) and error code.',
    labels: ['namespace', 'code'],
  },
  rate_limited_total: {
    type: 'counter',
    help: 'Requests or connections rejected by a rate limit, per namespace.',
    labels: ['namespace'],
  },
  bus_messages_received_total: {
    type: 'counter',
    help: 'Cluster bus messages this node received, per namespace of their room (only rooms it has members in or publishes depth to).',
    labels: ['namespace'],
  },
  bus_received_bytes_total: {
    type: 'counter',
    help: 'Bytes of the cluster bus messages this node received, per namespace of their room.',
    labels: ['namespace'],
  },
  subscriptions: { type: 'gauge', help: 'Active room subscriptions per namespace.', labels: ['namespace'] },
  redis_up: { type: 'gauge', help: '1 when the Redis adapter is connected, 0 when down or not reported.', labels: [] },
  event_loop_lag_seconds: { type: 'gauge', help: 'p99 event-loop delay over the last {window} s.', labels: [] },
  /** Only with a `nodeId`. */
  node_info: { type: 'gauge', help: 'Identity of this gateway node (always 1).', labels: ['node_id'] },
  broadcast_fanout: {
    type: 'histogram',
    help: 'Recipients per broadcast.',
    labels: ['namespace'],
    buckets: FANOUT_BUCKETS,
  },
  broadcast_latency_seconds: {
    type: 'histogram',
    help: 'Time from a message entering the platform (the publish call or request; on other nodes, its publish time) to its frame being written to a recipient socket; one observation per recipient.',
    labels: ['namespace'],
    buckets: LATENCY_BUCKETS,
    weighted: true,
  },
  ping_rtt_seconds: {
    type: 'histogram',
    help: 'Client ping round trips as observed by the server.',
    labels: [],
    buckets: LATENCY_BUCKETS,
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRIC_DEFINITIONS;
