import type { MarketChannel } from '@ws/protocol';
import type { StatsDelta } from '../clients/client-stats.js';
import type { LeanTarget, StreamNamespace } from '../clients/lean-client.js';

/** Which client runs in the load generator: the real SDK, or the lean protocol client. */
export type ClientMode = 'sdk' | 'lean';

/** Fixed for the lifetime of a load worker. */
export interface WorkerConfig {
  url: string;
  mode: ClientMode;
  /** Protocol of the lean client (the SDK always speaks Socket.IO). */
  target: LeanTarget;
  namespaces: StreamNamespace[];
  channels: MarketChannel[];
  /** Bound on one client's connect and subscribe (ms). */
  timeoutMs: number;
  /** Connects in flight per worker. */
  concurrency: number;
}

/** One simulated client. */
export interface ClientSpec {
  index: number;
  token?: string | undefined;
  symbols: string[];
  localAddress?: string | undefined;
}

export type WorkerRequest =
  | { type: 'connect'; id: number; clients: ClientSpec[] }
  | { type: 'collect'; id: number }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'connected'; id: number; ok: number; failed: number }
  | { type: 'stats'; id: number; stats: StatsDelta }
  | { type: 'closed'; id: number; stats: StatsDelta };
