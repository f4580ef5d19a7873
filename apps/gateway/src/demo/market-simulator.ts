import { toDecimalString } from '@ws/protocol';
import type { GatewayLogger } from '../logger.js';
import { type MarketBroadcastPort, settle } from './broadcast-port.js';
import { between, chance, gaussian } from './random.js';

/** Realistic starting prices and tick sizes; other symbols start at 100 with a 0.01 tick. */
const SEEDS: Record<string, { price: number; tick: number }> = {
  BTC: { price: 67_250, tick: 0.1 },
  ETH: { price: 3_480, tick: 0.01 },
  SOL: { price: 152, tick: 0.01 },
  BNB: { price: 585, tick: 0.01 },
  XRP: { price: 0.5234, tick: 0.0001 },
  ADA: { price: 0.4512, tick: 0.0001 },
  DOGE: { price: 0.12345, tick: 0.00001 },
  AVAX: { price: 35.2, tick: 0.01 },
  LINK: { price: 14.25, tick: 0.001 },
  DOT: { price: 7.12, tick: 0.001 },
};

const BOOK_LEVELS = 20;
const STATS_EVERY_TICKS = 4;

export interface Quote {
  bid: number;
  ask: number;
  last: number;
  /** Fraction digits of a price of this symbol. */
  decimals: number;
}

interface SymbolState {
  symbol: string;
  tick: number;
  decimals: number;
  mid: number;
  last: number;
  open: number;
  high: number;
  low: number;
  volume: number;
  quoteVolume: number;
  bids: Map<string, string>;
  asks: Map<string, string>;
  needsSnapshot: boolean;
}

export interface MarketSimulatorOptions {
  symbols: readonly string[];
  /** Milliseconds between market ticks. */
  intervalMs: number;
  /** A full depth snapshot this often, so subscribers that lost the thread (or sit on another node) resynchronise. */
  snapshotIntervalMs: number;
  broadcast: MarketBroadcastPort;
  logger: GatewayLogger;
  /** Prefix of trade ids, so two nodes' demo trades never collide. */
  idPrefix: string;
}

function decimalsOf(tick: number): number {
  const text = toDecimalString(tick);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * A demo market: per symbol a random-walk mid price with a spread, a 20-level order book published
 * as one snapshot and then deltas (the server stamps seq/prevSeq/checksum), trades, tickers and 24h stats.
 */
export class MarketSimulator {
  private readonly states = new Map<string, SymbolState>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private tradeCounter = 0;
  private failures = 0;

  constructor(private readonly options: MarketSimulatorOptions) {
    for (const symbol of options.symbols) {
      const base = symbol.split('/')[0] ?? '';
      const seed = SEEDS[base] ?? { price: 100, tick: 0.01 };
      const price = seed.price * between(0.98, 1.02);
      this.states.set(symbol, {
        symbol,
        tick: seed.tick,
        decimals: decimalsOf(seed.tick),
        mid: price,
        last: price,
        open: price,
        high: price,
        low: price,
        volume: 0,
        quoteVolume: 0,
        bids: new Map(),
        asks: new Map(),
        needsSnapshot: true,
      });
    }
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The current best bid, best ask and last price of a demo symbol. */
  quote(symbol: string): Quote | undefined {
    const s = this.states.get(symbol);
    if (!s) return undefined;
    const bid = s.bids.size > 0 ? Math.max(...[...s.bids.keys()].map(Number)) : s.mid;
    const ask = s.asks.size > 0 ? Math.min(...[...s.asks.keys()].map(Number)) : s.mid;
    return { bid, ask, last: s.last, decimals: s.decimals };
  }

  /** Advances every symbol by one step and publishes what changed. */
  tick(): void {
    this.ticks++;
    const snapshotEvery = Math.max(1, Math.round(this.options.snapshotIntervalMs / this.options.intervalMs));
    if (this.ticks % snapshotEvery === 0) for (const state of this.states.values()) state.needsSnapshot = true;
    for (const state of this.states.values()) this.step(state);
  }

  private step(s: SymbolState): void {
    const { symbol } = s;
    s.mid = Math.max(s.tick * 200, s.mid * Math.exp(0.0006 * gaussian()));
    const fmt = (n: number) => toDecimalString(n.toFixed(s.decimals));
    const spreadTicks = Math.max(1, Math.round((s.mid * 0.0001) / s.tick));
    const bestBid = Math.floor((s.mid - (spreadTicks * s.tick) / 2) / s.tick) * s.tick;
    const bestAsk = bestBid + spreadTicks * s.tick;

    this.publishDepth(s, bestBid, bestAsk, fmt);

    const trades: { tradeId: string; price: string; quantity: string; side: 'buy' | 'sell' }[] = [];
    if (chance(0.6)) {
      const count = 1 + Math.floor(Math.random() * 3);
      for (let i = 0; i < count; i++) {
        const side = chance(0.5) ? 'buy' : 'sell';
        const price = side === 'buy' ? bestAsk : bestBid;
        const quantity = Number((this.lotSize(s) * between(0.1, 3)).toFixed(4)) || 0.0001;
        s.last = price;
        s.high = Math.max(s.high, price);
        s.low = Math.min(s.low, price);
        s.volume += quantity;
        s.quoteVolume += quantity * price;
        trades.push({
          tradeId: `${this.options.idPrefix}-${++this.tradeCounter}`,
          price: fmt(price),
          quantity: toDecimalString(quantity.toFixed(4)),
          side,
        });
      }
    }
    const timestamp = Date.now();
    const { broadcast } = this.options;
    for (const trade of trades) this.send(() => broadcast.broadcastTrade({ symbol, ...trade, timestamp }));
    if (trades.length > 0) this.send(() => broadcast.broadcastMarketTrades({ symbol, trades, timestamp }));

    const bid = fmt(bestBid);
    const ask = fmt(bestAsk);
    const last = fmt(s.last);
    const volume = toDecimalString(s.volume.toFixed(4));
    const priceUpdate = { symbol, price: last, bid, ask, volume, timestamp };
    this.send(() => broadcast.broadcastPriceUpdate(symbol, priceUpdate));
    this.send(() => broadcast.broadcastTicker({ symbol, bid, ask, last, timestamp }));
    if (this.ticks % STATS_EVERY_TICKS === 1) {
      const change = s.last - s.open;
      this.send(() =>
        broadcast.broadcastMarketStats({
          symbol,
          open: fmt(s.open),
          high: fmt(s.high),
          low: fmt(s.low),
          last,
          volume,
          quoteVolume: toDecimalString(s.quoteVolume.toFixed(2)),
          change: fmt(change),
          changePercent: toDecimalString(((change / s.open) * 100).toFixed(4)),
          timestamp,
        }),
      );
    }
  }

  /** A typical order size: about 500 quote units. */
  private lotSize(s: SymbolState): number {
    return 500 / s.mid;
  }

  private publishDepth(s: SymbolState, bestBid: number, bestAsk: number, fmt: (n: number) => string): void {
    const gap = Math.max(1, Math.round((s.mid * 0.0002) / s.tick)) * s.tick;
    const nextBids = new Map<string, string>();
    const nextAsks = new Map<string, string>();
    const quantity = (old: string | undefined) =>
      old !== undefined && chance(0.75) ? old : toDecimalString((this.lotSize(s) * between(0.2, 8)).toFixed(4));
    for (let i = 0; i < BOOK_LEVELS; i++) {
      const bidPrice = fmt(bestBid - i * gap);
      const askPrice = fmt(bestAsk + i * gap);
      nextBids.set(bidPrice, quantity(s.bids.get(bidPrice)));
      nextAsks.set(askPrice, quantity(s.asks.get(askPrice)));
    }
    const snapshot = s.needsSnapshot;
    const bids = snapshot ? [...nextBids] : diff(s.bids, nextBids);
    const asks = snapshot ? [...nextAsks] : diff(s.asks, nextAsks);
    s.bids = nextBids;
    s.asks = nextAsks;
    s.needsSnapshot = false;
    if (!snapshot && bids.length === 0 && asks.length === 0) return;
    const type = snapshot ? 'snapshot' : 'delta';
    this.send(
      () => this.options.broadcast.broadcastDepth({ symbol: s.symbol, type, bids, asks, timestamp: Date.now() }),
      // A lost delta would leave the server's book behind ours: resynchronise with a snapshot.
      () => {
        s.needsSnapshot = true;
      },
    );
  }

  private send(call: () => unknown, onError?: () => void): void {
    settle(call).catch((err: unknown) => {
      onError?.();
      // The first failure and then every 100th, so a broken dependency cannot flood the log.
      if (this.failures++ % 100 === 0)
        this.options.logger.warn({ err, failures: this.failures }, 'demo market publish failed');
    });
  }
}

/** Levels to send so `prev` becomes `next`: changed or new levels, and "0" for removed ones. */
function diff(prev: Map<string, string>, next: Map<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [price, qty] of next) if (prev.get(price) !== qty) out.push([price, qty]);
  for (const price of prev.keys()) if (!next.has(price)) out.push([price, '0']);
  return out;
}
