import type { LeanTarget } from '../clients/lean-client.js';
import type { MarketWorkload } from './market-workload.js';

/** What one target needs from a load generator: its clients, and a publisher on its publish API. */
export interface LoadDriverOptions {
  /** `http://127.0.0.1:port` of the server under test. */
  url: string;
  /** Protocol the clients speak to it. */
  protocol: LeanTarget;
  /** Its process, whose CPU a trial measures. */
  serverPid: number;
  /** Client i subscribes to `symbols[i % symbols.length]` (price), or to its symbols of `market`. */
  symbols: readonly string[];
  /** The market workload (native generator only); absent: the price workload. */
  market?: MarketWorkload | undefined;
  /** One JWT per client, index = client; none for the baselines. */
  clientTokens: readonly string[] | undefined;
  /** The publisher's bearer token (role `service`); none for the baselines. */
  publisherToken: string | undefined;
  /** The most clients any step connects. */
  maxClients: number;
  /** Connects in flight. */
  concurrency: number;
  /** Bound on one client's connect and subscribe (ms). */
  connectTimeoutMs: number;
}

export interface ConnectResult {
  ok: number;
  failed: number;
  /** Connect-to-subscribed p99 of this batch (ms). */
  p99Ms: number;
  /** The first failure's reason, when any failed. */
  firstError?: string;
}

/** One fixed-rate trial as the load generator saw it. */
export interface OfferResult {
  /** Items the publisher offered (and how many the server accepted or refused). */
  offered: number;
  failed: number;
  /** Largest publisher backlog (ms of the current rate). */
  maxLagMs: number;
  /** Stream messages delivered, counted until a short grace after publishing stopped. */
  received: number;
  /** Deliveries the offered items are due (each item × the connected subscribers of its symbol), when known. */
  expected?: number;
  /** Publishing time (s): delivered msgs/s = received / windowSec. */
  windowSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connections the server closed during the trial. */
  drops: number;
  /** seq gaps clients saw. */
  gaps: number;
  /** CPU of the load generator and of the server over the trial (100 = one core). */
  generatorCpuPercent: number | null;
  serverCpuPercent: number | null;
}

/**
 * A load generator for the benchmark: the native epoll client (`bench/native`), or the Node lean clients
 * when no C compiler is available.
 */
export interface LoadDriver {
  readonly kind: 'native' | 'node';
  /** Connects clients `from`..`to - 1`, each subscribed to its symbol. */
  connect(from: number, to: number, timeoutMs: number): Promise<ConnectResult>;
  /** Publishes `publishRate` items/s for `durationSec`, then waits `graceMs` for what is in flight. */
  offer(publishRate: number, durationSec: number, graceMs: number): Promise<OfferResult>;
  /** Waits until deliveries stop (one quiet 250 ms poll), bounded; returns how long that took (ms). */
  drain(boundMs: number): Promise<number>;
  close(): Promise<void>;
}
