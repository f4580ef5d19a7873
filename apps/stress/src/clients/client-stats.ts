import type { Histogram } from 'hdr-histogram-js';
import { addEncoded, createHistogram, encodeHistogram, MicrosRecorder, recordMicros } from '../measure/histogram.js';

/** What a worker reports since its previous report; plain data so it crosses threads. */
export interface StatsDelta {
  /** Clients connected now (a level, not a delta). */
  connected: number;
  connectAttempts: number;
  connectFailures: Record<string, number>;
  /** Encoded histogram of connection times (µs). */
  connectHistogram: string;
  received: number;
  byNamespace: Record<string, number>;
  byEvent: Record<string, number>;
  /** Encoded histogram of end-to-end latency (µs). */
  latencyHistogram: string;
  gapEvents: number;
  gapMissed: number;
  reconnects: number;
  /** Connections that closed without the tool asking. */
  drops: number;
  requests: number;
  errors: Record<string, number>;
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/**
 * Messages of one event on one namespace since the last `take()`. A client keeps the counter it got from
 * `ClientStats.eventCounter`, so counting a message is an increment instead of two keyed lookups.
 */
export interface EventCounter {
  readonly namespace: string;
  readonly event: string;
  count: number;
}

/** Per-thread counters the clients write into; `take()` returns and resets them. */
export class ClientStats {
  connected = 0;
  private connectAttempts = 0;
  private connectFailures: Record<string, number> = {};
  private connectHistogram = createHistogram();
  private received = 0;
  private byNamespace: Record<string, number> = {};
  private byEvent: Record<string, number> = {};
  private readonly counters = new Map<string, EventCounter>();
  private readonly latency = new MicrosRecorder();
  private gapEvents = 0;
  private gapMissed = 0;
  private reconnects = 0;
  private drops = 0;
  private requests = 0;
  private errors: Record<string, number> = {};

  connectAttempt(): void {
    this.connectAttempts++;
  }

  connectSucceeded(micros: number): void {
    this.connected++;
    recordMicros(this.connectHistogram, micros);
  }

  connectFailed(code: string): void {
    bump(this.connectFailures, code);
  }

  message(namespace: string, event: string, latencyUs: number | null): void {
    this.received++;
    bump(this.byNamespace, namespace);
    bump(this.byEvent, event);
    if (latencyUs !== null) this.latency.record(latencyUs);
  }

  /** The counter of `event` on `namespace` (one per pair and thread), for `countMessage`. */
  eventCounter(namespace: string, event: string): EventCounter {
    const key = `${namespace} ${event}`;
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = { namespace, event, count: 0 };
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** `message()` for a client that keeps its counters: the same statistics, less work per message. */
  countMessage(counter: EventCounter, latencyUs: number | null): void {
    this.received++;
    counter.count++;
    if (latencyUs !== null) this.latency.record(latencyUs);
  }

  gap(missed: number): void {
    this.gapEvents++;
    if (missed > 0) this.gapMissed += missed;
  }

  reconnect(): void {
    this.reconnects++;
  }

  drop(): void {
    this.drops++;
    this.connected = Math.max(0, this.connected - 1);
  }

  request(): void {
    this.requests++;
  }

  error(code: string): void {
    bump(this.errors, code);
  }

  take(): StatsDelta {
    for (const counter of this.counters.values()) {
      if (counter.count === 0) continue;
      bump(this.byNamespace, counter.namespace, counter.count);
      bump(this.byEvent, counter.event, counter.count);
      counter.count = 0;
    }
    const latency = this.latency.flush();
    const delta: StatsDelta = {
      connected: this.connected,
      connectAttempts: this.connectAttempts,
      connectFailures: this.connectFailures,
      connectHistogram: this.connectHistogram.totalCount > 0 ? encodeHistogram(this.connectHistogram) : '',
      received: this.received,
      byNamespace: this.byNamespace,
      byEvent: this.byEvent,
      latencyHistogram: latency.totalCount > 0 ? encodeHistogram(latency) : '',
      gapEvents: this.gapEvents,
      gapMissed: this.gapMissed,
      reconnects: this.reconnects,
      drops: this.drops,
      requests: this.requests,
      errors: this.errors,
    };
    this.connectAttempts = 0;
    this.connectFailures = {};
    this.connectHistogram.reset();
    this.received = 0;
    this.byNamespace = {};
    this.byEvent = {};
    latency.reset();
    this.gapEvents = 0;
    this.gapMissed = 0;
    this.reconnects = 0;
    this.drops = 0;
    this.requests = 0;
    this.errors = {};
    return delta;
  }
}

/** Sums worker deltas: counters add up, histograms merge, `connected` is the sum of the latest levels. */
export class StatsAggregate {
  connectAttempts = 0;
  connectFailures: Record<string, number> = {};
  readonly connectHistogram: Histogram = createHistogram();
  received = 0;
  byNamespace: Record<string, number> = {};
  byEvent: Record<string, number> = {};
  readonly latencyHistogram: Histogram = createHistogram();
  gapEvents = 0;
  gapMissed = 0;
  reconnects = 0;
  drops = 0;
  requests = 0;
  errors: Record<string, number> = {};

  add(delta: StatsDelta): void {
    this.connectAttempts += delta.connectAttempts;
    for (const [k, v] of Object.entries(delta.connectFailures)) bump(this.connectFailures, k, v);
    addEncoded(this.connectHistogram, delta.connectHistogram);
    this.received += delta.received;
    for (const [k, v] of Object.entries(delta.byNamespace)) bump(this.byNamespace, k, v);
    for (const [k, v] of Object.entries(delta.byEvent)) bump(this.byEvent, k, v);
    addEncoded(this.latencyHistogram, delta.latencyHistogram);
    this.gapEvents += delta.gapEvents;
    this.gapMissed += delta.gapMissed;
    this.reconnects += delta.reconnects;
    this.drops += delta.drops;
    this.requests += delta.requests;
    for (const [k, v] of Object.entries(delta.errors)) bump(this.errors, k, v);
  }

  get connectFailureCount(): number {
    return Object.values(this.connectFailures).reduce((a, b) => a + b, 0);
  }

  get errorCount(): number {
    return Object.values(this.errors).reduce((a, b) => a + b, 0) + this.connectFailureCount + this.drops;
  }

  destroy(): void {
    this.connectHistogram.destroy();
    this.latencyHistogram.destroy();
  }
}
