/**
 * The benchmark's "market" workload (issue #18, "where messages bunch up"): clients on `/market`, each
 * subscribed to depth, trades and ticker of 5 symbols drawn from 50 with a Zipf skew, and a publisher that
 * sends every `batchMs` what is due, hot symbols most (mostly depth deltas), so several frames are due to
 * one socket in one publish request. Fixed seeds: every run and every target gets the same draw.
 */

/** Symbols of the workload; the gateway target runs with them as `WS_SYMBOLS`. */
export const MARKET_SYMBOLS: readonly string[] = Array.from(
  { length: 50 },
  (_, i) => `M${String(i + 1).padStart(2, '0')}/USDT`,
);
export const MARKET_CHANNELS_SUBSCRIBED = ['depth', 'trades', 'ticker'] as const;
/** Symbols per client. */
export const MARKET_SYMBOLS_PER_CLIENT = 5;
/** Zipf exponent of both the subscriptions and the publishing (rank r has weight 1 / r^s). */
export const MARKET_ZIPF_S = 1;
/** Items of the publisher's cycle; the native generator publishes them in order, round and round. */
export const MARKET_PLAN_LENGTH = 1000;
/** What a published item is: `d` a depth delta, `t` a trade, `k` a ticker; shares of the plan. */
export const MARKET_EVENT_MIX = { d: 0.7, t: 0.15, k: 0.15 } as const;
export type MarketItemKind = keyof typeof MARKET_EVENT_MIX;

export interface MarketPlanItem {
  /** Index into `MARKET_SYMBOLS`. */
  symbol: number;
  kind: MarketItemKind;
}

export interface MarketWorkload {
  symbols: readonly string[];
  /** Per client, the indexes of its 5 distinct symbols. */
  subscriptions: number[][];
  plan: MarketPlanItem[];
  /** The publisher sends what is due once per this many ms (one request per batch of up to 1 000 items). */
  batchMs: number;
}

/** mulberry32: small, seedable, good enough to draw a benchmark's workload. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf weights of `n` ranks, summing to 1. */
export function zipfWeights(n: number, s: number): number[] {
  const raw = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / sum);
}

function drawIndex(weights: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i] ?? 0;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

/** The workload for `maxClients` clients; the first k clients of it are the same for any larger count. */
export function buildMarketWorkload(maxClients: number, batchMs: number): MarketWorkload {
  const weights = zipfWeights(MARKET_SYMBOLS.length, MARKET_ZIPF_S);
  const subRandom = seededRandom(18);
  const subscriptions: number[][] = [];
  for (let c = 0; c < maxClients; c++) {
    const mine = new Set<number>();
    while (mine.size < MARKET_SYMBOLS_PER_CLIENT) mine.add(drawIndex(weights, subRandom()));
    subscriptions.push([...mine]);
  }
  const planRandom = seededRandom(1818);
  const kinds = Object.entries(MARKET_EVENT_MIX) as [MarketItemKind, number][];
  const plan: MarketPlanItem[] = [];
  for (let i = 0; i < MARKET_PLAN_LENGTH; i++) {
    const symbol = drawIndex(weights, planRandom());
    const kind =
      kinds[
        drawIndex(
          kinds.map(([, share]) => share),
          planRandom(),
        )
      ]?.[0] ?? 'd';
    plan.push({ symbol, kind });
  }
  return { symbols: MARKET_SYMBOLS, subscriptions, plan, batchMs };
}

/** Average subscribers of a published item when the first `clients` clients are connected. */
export function marketFanOut(workload: MarketWorkload, clients: number): number {
  const subscribers = new Array<number>(workload.symbols.length).fill(0);
  for (const subs of workload.subscriptions.slice(0, clients))
    for (const s of subs) subscribers[s] = (subscribers[s] ?? 0) + 1;
  const total = workload.plan.reduce((sum, item) => sum + (subscribers[item.symbol] ?? 0), 0);
  return total / workload.plan.length;
}

/** Share of the plan that is depth deltas of the hottest symbol: × items/s = its depth deltas per second. */
export function hottestDepthShare(workload: MarketWorkload): number {
  return workload.plan.filter((item) => item.symbol === 0 && item.kind === 'd').length / workload.plan.length;
}
