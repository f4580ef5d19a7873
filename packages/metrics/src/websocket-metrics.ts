import { LATEST_STATE_EVENTS, type MetricsSnapshot, type NamespaceMetrics, PublishableEventTraits } from '@ws/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { METRIC_ERROR_CODES, METRIC_EVENT_NAMES, METRIC_NAMESPACES, OTHER } from './labels.js';
import { METRIC_DEFINITIONS, type MetricDefinition, type MetricName } from './metric-definitions.js';
import { SlidingWindowCounter } from './sliding-window-counter.js';
import { type HistogramSeries, WeightedHistogram } from './weighted-histogram.js';
import { WindowedHistogram } from './windowed-histogram.js';

export interface WebSocketMetricsOptions {
  /** Registry to register on; by default each instance gets its own, so instances never collide. */
  registry?: Registry;
  /** Prefix of every metric name of this package. */
  prefix?: string;
  /** Also collect prom-client's default process metrics on the registry. */
  collectDefaultMetrics?: boolean;
  /** Exported as `<prefix>node_info{node_id}` so series from several gateway nodes can be told apart. */
  nodeId?: string;
  /** Window in seconds of the per-second rates, the latency and ping percentiles of `getMetrics()` and the event-loop lag. */
  rateWindowSec?: number;
  /** Sampling resolution of the event-loop delay monitor in ms. */
  eventLoopResolutionMs?: number;
  /** Clock in epoch ms; injectable for tests. */
  now?: () => number;
}

/** Label value of errors that belong to no namespace. */
export const NO_NAMESPACE = 'none';

/** Reports one series' value at scrape time (a gauge's `set`, a counter's `inc` after its reset). */
type Sample = (labels: Readonly<Record<string, string>>, value: number) => void;
type Collector = (sample: Sample) => void;
type CollectedName = {
  [K in MetricName]: (typeof METRIC_DEFINITIONS)[K]['type'] extends 'histogram' ? never : K;
}[MetricName];

interface Cell<L> {
  readonly labels: L;
  value: number;
}

interface MessageCell {
  readonly labels: { namespace: string; event: string };
  count: number;
  bytes: number;
}

type NsLabels = { namespace: string };
type NsEventLabels = { namespace: string; event: string };
type NsCodeLabels = { namespace: string; code: string };

interface NamespaceState {
  readonly labels: NsLabels;
  touched: boolean;
  connections: number;
  opened: number;
  attempts: number;
  messagesIn: number;
  messagesOut: number;
  subscriptions: number;
  rateLimited: number;
  /** Cluster bus messages this node received for rooms of the namespace, and their bytes. */
  busReceived: number;
  busBytes: number;
  readonly in: Map<string, MessageCell>;
  readonly out: Map<string, MessageCell>;
  readonly broadcasts: Map<string, Cell<NsEventLabels>>;
  readonly conflated: Map<string, Cell<NsEventLabels>>;
  readonly refusals: Map<string, Cell<NsCodeLabels>>;
  readonly errors: Map<string, Cell<NsCodeLabels>>;
  readonly latencyLabels: NsLabels;
  /** This namespace's series of the latency histogram, created with its first observation. */
  latencySeries: HistogramSeries | undefined;
}

function inMs(histogram: WindowedHistogram): { avg: number; p50: number; p95: number; p99: number } {
  const h = histogram.summary();
  return { avg: h.avg * 1000, p50: h.p50 * 1000, p95: h.p95 * 1000, p99: h.p99 * 1000 };
}

function finiteNonNegative(value: number): number {
  return value >= 0 && value !== Number.POSITIVE_INFINITY ? value : 0;
}

function createNamespaceState(namespace: string): NamespaceState {
  const messageCells = () =>
    new Map(
      METRIC_EVENT_NAMES.concat(OTHER).map((event) => [event, { labels: { namespace, event }, count: 0, bytes: 0 }]),
    );
  const eventCells = () =>
    new Map(METRIC_EVENT_NAMES.concat(OTHER).map((event) => [event, { labels: { namespace, event }, value: 0 }]));
  const codeCells = () =>
    new Map(METRIC_ERROR_CODES.map((code) => [code as string, { labels: { namespace, code }, value: 0 }]));
  return {
    labels: { namespace },
    touched: false,
    connections: 0,
    opened: 0,
    attempts: 0,
    messagesIn: 0,
    messagesOut: 0,
    subscriptions: 0,
    rateLimited: 0,
    busReceived: 0,
    busBytes: 0,
    in: messageCells(),
    out: messageCells(),
    broadcasts: eventCells(),
    conflated: eventCells(),
    refusals: codeCells(),
    errors: codeCells(),
    latencyLabels: { namespace },
    latencySeries: undefined,
  };
}

/** `namespace event` of every event overload conflation may supersede: the protocol's latest-state events. */
const CONFLATABLE: ReadonlySet<string> = new Set(
  [...LATEST_STATE_EVENTS].map((event) => `${PublishableEventTraits[event].namespace} ${event}`),
);

/**
 * Gateway metrics on prom-client. Per-message calls only bump plain numbers in pre-built cells
 * (no label hashing, no allocation); prom-client reads them in `collect()` at scrape time.
 */
export class WebSocketMetrics {
  /** The registry the metrics are registered on. */
  readonly registry: Registry;
  /** `Content-Type` of `exportPrometheusMetrics()`. */
  readonly contentType: string;

  readonly #states = new Map<string, NamespaceState>();
  readonly #other: NamespaceState;
  readonly #none: NamespaceState;
  readonly #messageRate: SlidingWindowCounter;
  readonly #errorRate: SlidingWindowCounter;
  readonly #latency: WindowedHistogram;
  readonly #pingWindow: WindowedHistogram;
  readonly #eventLoop: EventLoopMonitor;
  readonly #broadcastFanout: Histogram<'namespace'>;
  readonly #broadcastLatency: WeightedHistogram;
  readonly #pingRtt: Histogram;
  readonly #redisUp: Gauge;
  readonly #built: ReadonlyMap<MetricName, { reset(): void }>;
  #totalOpened = 0;
  #messagesTotal = 0;
  #errorsTotal = 0;

  constructor(options: WebSocketMetricsOptions = {}) {
    const prefix = options.prefix ?? 'ws_';
    const windowSec = Math.max(1, Math.floor(options.rateWindowSec ?? 10));
    const now = options.now ?? Date.now;
    this.registry = options.registry ?? new Registry();
    this.contentType = this.registry.contentType;

    for (const ns of METRIC_NAMESPACES) this.#states.set(ns, createNamespaceState(ns));
    this.#other = this.#stateOf(OTHER);
    this.#none = createNamespaceState(NO_NAMESPACE);
    this.#messageRate = new SlidingWindowCounter(windowSec, now);
    this.#errorRate = new SlidingWindowCounter(windowSec, now);
    this.#latency = new WindowedHistogram(windowSec, now);
    this.#pingWindow = new WindowedHistogram(windowSec, now);
    this.#eventLoop = new EventLoopMonitor(windowSec, Math.max(1, options.eventLoopResolutionMs ?? 20));

    this.#built = this.#register(prefix, windowSec, options.nodeId);
    this.#broadcastFanout = this.#built.get('broadcast_fanout') as Histogram<'namespace'>;
    this.#broadcastLatency = this.#built.get('broadcast_latency_seconds') as WeightedHistogram;
    this.#pingRtt = this.#built.get('ping_rtt_seconds') as Histogram;
    this.#redisUp = this.#built.get('redis_up') as Gauge;

    if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A connection was accepted on `ns`. */
  connectionOpened(ns: string): void {
    const s = this.#stateOf(ns);
    s.touched = true;
    s.connections++;
    s.opened++;
    this.#totalOpened++;
  }

  /** A connection on `ns` closed; never goes below zero. */
  connectionClosed(ns: string): void {
    const s = this.#stateOf(ns);
    if (s.connections > 0) s.connections--;
  }

  /** A client started a handshake on `ns` (accepted or not). */
  connectionAttempt(ns: string): void {
    const s = this.#stateOf(ns);
    s.touched = true;
    s.attempts++;
  }

  /**
   * A handshake on `ns` was refused with `code` (an `ErrorCode`; anything else counts as "other"); `ns` is
   * `NO_NAMESPACE` for a refusal at the Engine.IO request, before the client named a namespace.
   */
  connectionRefused(ns: string, code: string): void {
    const s = ns === NO_NAMESPACE ? this.#none : this.#stateOf(ns);
    s.touched = true;
    const cell = s.refusals.get(code) ?? (s.refusals.get(OTHER) as Cell<NsCodeLabels>);
    cell.value++;
  }

  /** One message from a client. */
  messageIn(ns: string, event: string, bytes: number): void {
    const s = this.#stateOf(ns);
    const cell = s.in.get(event) ?? (s.in.get(OTHER) as MessageCell);
    cell.count++;
    cell.bytes += finiteNonNegative(bytes);
    s.messagesIn++;
    this.#messagesTotal++;
    this.#messageRate.add(1);
  }

  /** One frame of `bytes` written to `recipients` clients (default 1); counted once per recipient. */
  messageOut(ns: string, event: string, bytes: number, recipients = 1): void {
    const n = Math.floor(finiteNonNegative(recipients));
    if (n === 0) return;
    const s = this.#stateOf(ns);
    const cell = s.out.get(event) ?? (s.out.get(OTHER) as MessageCell);
    cell.count += n;
    cell.bytes += finiteNonNegative(bytes) * n;
    s.messagesOut += n;
    this.#messagesTotal += n;
    this.#messageRate.add(n);
  }

  /**
   * One broadcast (one emit to a room or a namespace) and its fan-out on this node. Counts no messages
   * (report the delivered frames with `messageOut`) and no latency (`messageLatency`).
   */
  broadcast(ns: string, event: string, fanout: number): void {
    const s = this.#stateOf(ns);
    const cell = s.broadcasts.get(event) ?? (s.broadcasts.get(OTHER) as Cell<NsEventLabels>);
    cell.value++;
    this.#broadcastFanout.observe(s.latencyLabels, finiteNonNegative(fanout));
  }

  /**
   * Propagation latency: `recipients` frames of one message on `ns` were written to their sockets
   * `seconds` after the message entered the platform. This is `getMetrics().latency`.
   */
  messageLatency(ns: string, seconds: number, recipients = 1): void {
    if (!(seconds >= 0) || seconds === Number.POSITIVE_INFINITY || !(recipients >= 1)) return;
    const s = this.#stateOf(ns);
    s.latencySeries ??= this.#broadcastLatency.series(s.latencyLabels);
    this.#broadcastLatency.observe(s.latencySeries, seconds, recipients);
    this.#latency.observe(seconds, recipients);
  }

  /** A broadcast of `event` was dropped because a newer one of the same room replaced it before it was sent. */
  messageConflated(ns: string, event: string): void {
    const s = this.#stateOf(ns);
    const cell = s.conflated.get(event) ?? (s.conflated.get(OTHER) as Cell<NsEventLabels>);
    cell.value++;
  }

  /** One heartbeat round trip: the server's ping written until the client's pong read. This is `getMetrics().pingRtt`. */
  observePingRtt(seconds: number): void {
    if (!(seconds >= 0) || seconds === Number.POSITIVE_INFINITY) return;
    this.#pingRtt.observe(seconds);
    this.#pingWindow.observe(seconds);
  }

  /** An error with an `ErrorCode` (anything else counts as "other"), optionally on a namespace. */
  error(code: string, ns?: string): void {
    const s = ns === undefined ? this.#none : this.#stateOf(ns);
    const cell = s.errors.get(code) ?? (s.errors.get(OTHER) as Cell<NsCodeLabels>);
    cell.value++;
    this.#errorsTotal++;
    this.#errorRate.add(1);
  }

  /** One cluster bus message of a room of `ns` came in, `bytes` long. */
  busMessageReceived(ns: string, bytes: number): void {
    const s = this.#stateOf(ns);
    s.busReceived++;
    s.busBytes += finiteNonNegative(bytes);
  }

  /** A request or connection on `ns` was rejected by a rate limit. */
  rateLimited(ns: string): void {
    const s = this.#stateOf(ns);
    s.touched = true;
    s.rateLimited++;
  }

  /** Current number of room subscriptions on `ns`. */
  setSubscriptions(ns: string, count: number): void {
    const s = this.#stateOf(ns);
    s.touched = true;
    s.subscriptions = Math.floor(finiteNonNegative(count));
  }

  /** Whether the Redis adapter is connected. */
  setRedisStatus(up: boolean): void {
    this.#redisUp.set(up ? 1 : 0);
  }

  /** p99 event-loop delay in ms over the current window (the previous one while the current is empty). */
  eventLoopLagMs(): number {
    return this.#eventLoop.lagMs();
  }

  /** The `MetricsSnapshot` of the protocol; latency and ping round trips in ms over the last `rateWindowSec` seconds. */
  getMetrics(): MetricsSnapshot {
    const namespaces: Record<string, NamespaceMetrics> = {};
    let current = 0;
    for (const [name, s] of this.#states) {
      current += s.connections;
      if (s === this.#other && !this.#otherHasActivity()) continue;
      namespaces[name] = {
        connections: s.connections,
        messagesIn: s.messagesIn,
        messagesOut: s.messagesOut,
        subscriptions: s.subscriptions,
      };
    }
    return {
      connections: { current, total: this.#totalOpened },
      messages: { total: this.#messagesTotal, perSecond: this.#messageRate.rate() },
      latency: inMs(this.#latency),
      pingRtt: inMs(this.#pingWindow),
      namespaces,
      errors: { total: this.#errorsTotal, rate: this.#errorRate.rate() },
    };
  }

  /** Totals since start (or the last `reset()`) over every namespace: errors and refusals by code, conflated broadcasts. */
  counters(): { errorsByCode: Record<string, number>; refusalsByCode: Record<string, number>; conflated: number } {
    const errorsByCode: Record<string, number> = {};
    const refusalsByCode: Record<string, number> = {};
    let conflated = 0;
    const add = (into: Record<string, number>, cells: Map<string, Cell<NsCodeLabels>>) => {
      for (const [code, cell] of cells) if (cell.value > 0) into[code] = (into[code] ?? 0) + cell.value;
    };
    for (const s of [...this.#states.values(), this.#none]) {
      add(errorsByCode, s.errors);
      add(refusalsByCode, s.refusals);
      for (const cell of s.conflated.values()) conflated += cell.value;
    }
    return { errorsByCode, refusalsByCode, conflated };
  }

  /** Every metric of the registry in the Prometheus text exposition format. */
  exportPrometheusMetrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Zeroes every figure of this instance (not other metrics of a shared registry). */
  reset(): void {
    for (const s of [...this.#states.values(), this.#none]) {
      s.touched = false;
      s.connections = 0;
      s.opened = 0;
      s.attempts = 0;
      s.messagesIn = 0;
      s.messagesOut = 0;
      s.subscriptions = 0;
      s.rateLimited = 0;
      s.busReceived = 0;
      s.busBytes = 0;
      for (const cell of s.in.values()) {
        cell.count = 0;
        cell.bytes = 0;
      }
      for (const cell of s.out.values()) {
        cell.count = 0;
        cell.bytes = 0;
      }
      for (const cell of s.broadcasts.values()) cell.value = 0;
      for (const cell of s.conflated.values()) cell.value = 0;
      for (const cell of s.refusals.values()) cell.value = 0;
      for (const cell of s.errors.values()) cell.value = 0;
    }
    this.#totalOpened = 0;
    this.#messagesTotal = 0;
    this.#errorsTotal = 0;
    this.#messageRate.reset();
    this.#errorRate.reset();
    this.#latency.reset();
    this.#pingWindow.reset();
    this.#eventLoop.reset();
    for (const metric of this.#built.values()) metric.reset();
  }

  /** Stops the event-loop monitor and its timer; the instance keeps answering with what it has. */
  close(): void {
    this.#eventLoop.close();
  }

  /** Builds every metric of `METRIC_DEFINITIONS` on the registry; gauges and counters read the cells at scrape time. */
  #register(prefix: string, windowSec: number, nodeId: string | undefined): Map<MetricName, { reset(): void }> {
    const registers = [this.registry];
    const collectors = this.#collectors(nodeId);
    const built = new Map<MetricName, { reset(): void }>();
    for (const [key, def] of Object.entries(METRIC_DEFINITIONS) as [MetricName, MetricDefinition][]) {
      if (key === 'node_info' && nodeId === undefined) continue;
      const name = prefix + key;
      const help = def.help.replace('{window}', String(windowSec));
      const labelNames = [...def.labels];
      const collect = collectors[key as CollectedName] ?? (() => {});
      if (def.type === 'gauge') {
        const g: Gauge = new Gauge({
          name,
          help,
          labelNames,
          registers,
          collect: () => collect((l, v) => g.set(l, v)),
        });
        built.set(key, g);
      } else if (def.type === 'counter') {
        // Counters are rebuilt from the cells on every scrape: the cells are the single source of truth.
        const c: Counter = new Counter({
          name,
          help,
          labelNames,
          registers,
          collect() {
            c.reset();
            collect((l, v) => c.inc(l, v));
          },
        });
        built.set(key, c);
      } else if (def.weighted) {
        built.set(key, new WeightedHistogram(name, help, def.buckets ?? [], registers));
      } else {
        built.set(key, new Histogram({ name, help, labelNames, buckets: [...(def.buckets ?? [])], registers }));
      }
    }
    return built;
  }

  /** What each gauge and counter reports at scrape time, read from the cells. */
  #collectors(nodeId: string | undefined): Partial<Record<CollectedName, Collector>> {
    const states = () => [...this.#states.values()];
    const withNone = () => [...this.#states.values(), this.#none];
    const reported = () => states().filter((s) => s !== this.#other || this.#otherHasActivity());
    const each =
      (pick: (s: NamespaceState) => number, of = reported): Collector =>
      (sample) => {
        for (const s of of()) sample(s.labels, pick(s));
      };
    const cells =
      <C extends { labels: Readonly<Record<string, string>> }>(
        of: () => NamespaceState[],
        pick: (s: NamespaceState) => Iterable<C>,
        value: (cell: C) => number,
      ): Collector =>
      (sample) => {
        for (const s of of()) for (const cell of pick(s)) if (value(cell) > 0) sample(cell.labels, value(cell));
      };
    return {
      connections: each((s) => s.connections),
      connections_opened_total: each((s) => s.opened),
      connection_attempts_total: each((s) => s.attempts),
      connection_refusals_total: cells(
        withNone,
        (s) => s.refusals.values(),
        (c) => c.value,
      ),
      messages_received_total: cells(
        states,
        (s) => s.in.values(),
        (c) => c.count,
      ),
      messages_received_bytes_total: cells(
        states,
        (s) => s.in.values(),
        (c) => c.bytes,
      ),
      messages_sent_total: cells(
        states,
        (s) => s.out.values(),
        (c) => c.count,
      ),
      messages_sent_bytes_total: cells(
        states,
        (s) => s.out.values(),
        (c) => c.bytes,
      ),
      broadcasts_total: cells(
        states,
        (s) => s.broadcasts.values(),
        (c) => c.value,
      ),
      messages_conflated_total: (sample) => {
        // The latest-state streams that can be conflated are exported from zero: a dashboard then shows
        // "nothing conflated" before the first overload rather than "no data".
        for (const s of states())
          for (const cell of s.conflated.values())
            if (cell.value > 0 || CONFLATABLE.has(`${cell.labels.namespace} ${cell.labels.event}`))
              sample(cell.labels, cell.value);
      },
      errors_total: cells(
        withNone,
        (s) => s.errors.values(),
        (c) => c.value,
      ),
      rate_limited_total: each((s) => s.rateLimited),
      bus_messages_received_total: (sample) => {
        for (const s of states()) if (s.busReceived > 0) sample(s.labels, s.busReceived);
      },
      bus_received_bytes_total: (sample) => {
        for (const s of states()) if (s.busBytes > 0) sample(s.labels, s.busBytes);
      },
      subscriptions: each((s) => s.subscriptions),
      event_loop_lag_seconds: (sample) => sample({}, this.#eventLoop.lagMs() / 1000),
      node_info: (sample) => sample({ node_id: nodeId ?? '' }, 1),
    };
  }

  #stateOf(ns: string): NamespaceState {
    return this.#states.get(ns) ?? this.#other;
  }

  #otherHasActivity(): boolean {
    const s = this.#other;
    return s.touched || s.messagesIn > 0 || s.messagesOut > 0;
  }
}
