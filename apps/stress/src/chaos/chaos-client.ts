import type { MarketLedger } from './market-ledger.js';
import type { PrivateLedger } from './private-ledger.js';

/** A book as a client holds it, for comparison with the server's. */
export interface BookView {
  synced: boolean;
  seq: number | undefined;
  checksum: number;
  bids: [string, string][];
  asks: [string, string][];
}

/** One simulated trader of the chaos run, behind one fault proxy ("its network"). */
export interface ChaosClient {
  readonly userId: string;
  readonly lane: number;
  readonly orders: PrivateLedger;
  readonly prices: MarketLedger;
  /** Depth stream (only clients that keep a verified book). */
  readonly depth: MarketLedger | null;
  /** When this client saw its connection die of a ping timeout (epoch ms). */
  readonly pingTimeouts: number[];
  /** Connects and subscribes; resolves once everything is live. */
  start(): Promise<void>;
  /** Connected on every namespace, subscribed, and (with a book) holding a verified book. */
  live(): boolean;
  book(): BookView | null;
  close(): void;
}
