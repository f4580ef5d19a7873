import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ChaosClient } from './chaos-client.js';
import { ChaosCluster } from './chaos-cluster.js';
import type { GatewayNode } from './gateway-node.js';
import { PlainChaosClient } from './plain-chaos-client.js';
import type { PrivateTally } from './private-ledger.js';
import { SdkChaosClient } from './sdk-chaos-client.js';
import { probeServer } from './server-probe.js';

export const FAULTS = [
  'clean-close',
  'blackhole',
  'half-open',
  'reset-mid-frame',
  'latency',
  'throttle',
  'kill-gateway',
  'kill-redis',
] as const;
export type FaultName = (typeof FAULTS)[number];

export const FAULT_LABELS: Record<FaultName, string> = {
  'clean-close': 'clean close (FIN both ways)',
  blackhole: 'blackhole shorter than ping interval + timeout',
  'half-open': 'blackhole: half-open until both sides time out',
  'reset-mid-frame': 'RST inside a WebSocket frame, 3 rounds',
  latency: 'latency + jitter',
  throttle: 'bandwidth throttle',
  'kill-gateway': 'SIGKILL of a gateway mid-burst, restarted',
  'kill-redis': 'SIGKILL of Redis (AOF), restarted',
};

export interface ChaosRunOptions {
  /** `recovery`: SDK clients (`auth.since`, books); `baseline`: plain socket.io-client, no recovery. */
  mode: 'recovery' | 'baseline';
  clients: number;
  nodes: number;
  lanes: number;
  faults: readonly FaultName[];
  /** How long latency and throttle last (ms). */
  holdMs: number;
  /** The short blackhole (ms), below ping interval + timeout. */
  blackholeMs: number;
  /** The half-open blackhole lasts at least this long (ms), and at least until both sides have timed out. */
  halfOpenMs: number;
  latency: { minMs: number; maxMs: number };
  bandwidthBytesPerSecond: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  privatePerSecond: number;
  publicPerSecond: number;
  /** Bound on every wait for the system to settle (ms); beyond it the row shows what did not. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export interface HalfOpenObservation {
  clients: number;
  clientDetected: number;
  serverDetected: number;
  /** Slowest detection after the blackhole began (ms). */
  clientMaxMs: number;
  serverMaxMs: number;
  /** Ping interval + timeout. */
  boundMs: number;
}

export interface MemoryObservation {
  node: string;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapPeakMb: number;
  heapAfterMb: number;
}

export interface FaultRow {
  fault: FaultName;
  affected: number;
  private: PrivateTally;
  /** Affected clients that never received the phase's marker (private stream not caught up). */
  missingMarkers: number;
  maxPrivateDelayMs: number;
  /** Seq jumps seen on the price stream, gaps the client reported, stale messages. */
  priceJumps: number;
  priceReported: number;
  priceStale: number;
  bookResyncs: number;
  /** Affected clients whose price stream was not current after the phase. */
  notCurrent: number;
  /** Clients not live (connected, subscribed, book verified) when the settle wait ended. */
  notLive: number;
  halfOpen?: HalfOpenObservation;
  memory?: MemoryObservation;
  /**
   * Longest event-loop stall in the phase (ms): of this process (clients and proxies) and of any gateway. A
   * stall longer than the ping timeout makes heartbeats fail by itself, whatever the network does.
   */
  clientLagMaxMs: number;
  gatewayLagMaxMs: number;
  /** Why the gateways closed the affected users' `/user` connections during the phase (their log). */
  serverReasons: Record<string, number>;
  detail: string;
}

export interface ChaosRunResult {
  mode: ChaosRunOptions['mode'];
  clients: number;
  rows: FaultRow[];
  /** Every client over the whole run. */
  total: PrivateTally & { missingMarkers: number };
  books: { equal: number; of: number } | null;
  publisher: { acceptedItems: number; failedItems: number; failuresByStatus: Record<string, number> } | null;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 1024 / 1024) * 10) / 10;

/** Polls `check` until it holds or `timeoutMs` passes; resolves with whether it held. */
async function until(check: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

function addTally(a: PrivateTally, b: PrivateTally): PrivateTally {
  return {
    published: a.published + b.published,
    delivered: a.delivered + b.delivered,
    duplicates: a.duplicates + b.duplicates,
    outOfOrder: a.outOfOrder + b.outOfOrder,
  };
}

const emptyTally = (): PrivateTally => ({ published: 0, delivered: 0, duplicates: 0, outOfOrder: 0 });

interface MarketCounters {
  jumps: number;
  reported: number;
  stale: number;
  resyncs: number;
}

function marketCounters(clients: readonly ChaosClient[]): MarketCounters {
  const c: MarketCounters = { jumps: 0, reported: 0, stale: 0, resyncs: 0 };
  for (const client of clients) {
    c.jumps += client.prices.jumps;
    c.reported += client.prices.reported;
    c.stale += client.prices.stale + (client.depth?.stale ?? 0);
    c.resyncs += client.depth?.resyncs ?? 0;
  }
  return c;
}

/** Samples RSS and heap of `node` every 250 ms until stopped. */
function sampleMemory(node: GatewayNode): { stop(): Promise<MemoryObservation> } {
  let running = true;
  const rss: number[] = [];
  const heap: number[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const [r, h] = await Promise.all([
          node.metric('process_resident_memory_bytes'),
          node.metric('nodejs_heap_size_used_bytes'),
        ]);
        if (r !== undefined) rss.push(r);
        if (h !== undefined) heap.push(h);
      } catch {
        // a sample missed while the node is busy
      }
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return {
        node: node.options.nodeId,
        rssBeforeMb: mb(rss[0]),
        rssPeakMb: mb(Math.max(...rss)),
        rssAfterMb: mb(rss.at(-1)),
        heapBeforeMb: mb(heap[0]),
        heapPeakMb: mb(Math.max(...heap)),
        heapAfterMb: mb(heap.at(-1)),
      };
    },
  };
}

/** Samples the largest event-loop lag (`nodejs_eventloop_lag_max_seconds`, reset per scrape) of the running nodes. */
function sampleGatewayLag(nodes: readonly GatewayNode[]): { stop(): Promise<number> } {
  let running = true;
  let max = 0;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        nodes
          .filter((n) => n.running)
          .map(async (n) => {
            const lag = await n.metric('nodejs_eventloop_lag_max_seconds').catch(() => undefined);
            if (lag !== undefined && Number.isFinite(lag)) max = Math.max(max, lag * 1000);
          }),
      );
      await sleep(1_000);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Math.round(max);
    },
  };
}

/**
 * One chaos run on real processes and sockets: the cluster of `ChaosCluster`, `clients` traders spread
 * over the lanes, and the faults in order, each followed by a settle, a marker per user and an account of
 * what the affected clients received. Bounded: every wait has a timeout; the run stops by itself.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const started = performance.now();
  const priceSymbol = 'BTC/USDT';
  const bookSymbol = 'ETH/USDT';
  const userIds = Array.from({ length: options.clients }, (_, i) => `chaos-${i}`);
  const cluster = new ChaosCluster({
    nodes: options.nodes,
    lanes: options.lanes,
    pingIntervalMs: options.pingIntervalMs,
    pingTimeoutMs: options.pingTimeoutMs,
    userIds,
    priceSymbol,
    bookSymbol,
    privatePerSecond: options.privatePerSecond,
    publicPerSecond: options.publicPerSecond,
  });
  const clients: ChaosClient[] = [];
  const log = options.log;
  try {
    await cluster.start();
    log(`cluster up: ${options.nodes} gateways, nginx on ${cluster.nginx?.port}, ${options.lanes} lanes`);
    for (let i = 0; i < userIds.length; i++) {
      const lane = i % options.lanes;
      const url = cluster.lanes[lane]!.url;
      const token = await cluster.token(userIds[i]!);
      clients.push(
        options.mode === 'recovery'
          ? new SdkChaosClient({ userId: userIds[i]!, lane, url, token, priceSymbol, bookSymbol })
          : new PlainChaosClient({ userId: userIds[i]!, lane, url, token, priceSymbol, bookSymbol }),
      );
    }
    for (let i = 0; i < clients.length; i += 25) await Promise.all(clients.slice(i, i + 25).map((c) => c.start()));
    log(`${clients.length} ${options.mode} clients live`);
    const publisher = cluster.publisher!;
    // Until every client has one: a baseline client away when a marker went out never gets it. A later copy
    // has a later seq, so a repeat hides nothing: what the first copy bounded is what is counted.
    const mark = async (phase: string, who: readonly ChaosClient[]) => {
      const deadline = performance.now() + options.settleTimeoutMs;
      while (performance.now() < deadline) {
        await publisher.mark(phase);
        const wait = options.mode === 'recovery' ? 15_000 : 3_000;
        if (await until(() => who.every((c) => c.orders.hasMarker(phase)), wait, 100)) return;
      }
    };
    await mark('start', clients);
    if (!clients.every((c) => c.orders.hasMarker('start'))) throw new Error('clients did not get the start marker');

    const rows: FaultRow[] = [];
    let previous = 'start';
    for (const [index, fault] of options.faults.entries()) {
      const lanes = cluster.lanes.filter((_, i) => i % 3 === index % 3);
      const laneIds = new Set(lanes.map((l) => cluster.lanes.indexOf(l)));
      let affected = clients.filter((c) => laneIds.has(c.lane));
      const before = new Map(clients.map((c) => [c, { ...marketCounters([c]) }]));
      for (const c of clients) c.orders.resetLatency();
      const phaseStart = Date.now();
      const clientLag = monitorEventLoopDelay({ resolution: 10 });
      clientLag.enable();
      const gatewayLag = sampleGatewayLag(cluster.nodes);
      let detail = '';
      let halfOpen: HalfOpenObservation | undefined;
      let memory: MemoryObservation | undefined;
      log(`fault ${fault} on ${fault.startsWith('kill') ? 'a process' : `lanes ${[...laneIds].join(',')}`}`);
      switch (fault) {
        case 'clean-close': {
          const n = lanes.reduce((sum, l) => sum + l.closeAll(), 0);
          detail = `${n} connections closed with FIN`;
          break;
        }
        case 'blackhole': {
          for (const l of lanes) l.blackhole();
          await sleep(options.blackholeMs);
          for (const l of lanes) l.heal();
          const timedOut = affected.filter((c) => c.pingTimeouts.some((t) => t >= phaseStart)).length;
          detail = `${options.blackholeMs} ms; ${timedOut} clients timed out`;
          break;
        }
        case 'half-open': {
          const holder = mostUsers(cluster.nodes, affected);
          const sampler = holder ? sampleMemory(holder) : undefined;
          await sleep(1_000);
          const t0 = Date.now();
          for (const l of lanes) l.blackhole();
          const clientAt = (c: ChaosClient) => c.pingTimeouts.find((t) => t >= t0);
          const serverAt = (c: ChaosClient) =>
            cluster.nodes
              .flatMap((n) => n.disconnects)
              .find(
                (d) => d.userId === c.userId && d.namespace === '/user' && d.reason === 'ping timeout' && d.at >= t0,
              )?.at;
          const boundMs = options.pingIntervalMs + options.pingTimeoutMs;
          // Both sides must notice by themselves: nothing is closed until they have (or the bound has long passed).
          await until(
            () => affected.every((c) => clientAt(c) !== undefined && serverAt(c) !== undefined),
            Math.max(options.halfOpenMs, boundMs * 4),
            100,
          );
          const heldFor = Date.now() - t0;
          if (heldFor < options.halfOpenMs) await sleep(options.halfOpenMs - heldFor);
          const client = affected.map(clientAt).filter((t) => t !== undefined);
          const server = affected.map(serverAt).filter((t) => t !== undefined);
          halfOpen = {
            clients: affected.length,
            clientDetected: client.length,
            serverDetected: server.length,
            clientMaxMs: Math.max(0, ...client.map((t) => t - t0)),
            serverMaxMs: Math.max(0, ...server.map((t) => t - t0)),
            boundMs,
          };
          for (const l of lanes) l.heal();
          await sleep(2_000);
          memory = await sampler?.stop();
          detail = `blackhole ${Date.now() - t0 - 2_000} ms`;
          break;
        }
        case 'reset-mid-frame': {
          let resets = 0;
          const accepted = () => lanes.reduce((sum, l) => sum + l.stats.accepted, 0);
          for (let round = 0; round < 3; round++) {
            const before = accepted();
            resets += (await Promise.all(lanes.map((l) => l.resetMidFrame()))).reduce((a, b) => a + b, 0);
            // The next round lands while clients reconnect and replay: a reset in the middle of recovery.
            await until(
              () =>
                accepted() - before >= affected.length / 2 &&
                affected.filter((c) => c.live()).length >= affected.length / 2,
              10_000,
            );
          }
          const mid = lanes.reduce((sum, l) => sum + l.stats.midFrameResets, 0);
          const all = lanes.reduce((sum, l) => sum + l.stats.resets, 0);
          detail = `${resets} connections reset (${mid}/${all} of this lane set's resets so far inside a frame)`;
          break;
        }
        case 'latency': {
          for (const l of lanes) l.setLatency(options.latency);
          await sleep(options.holdMs);
          for (const l of lanes) l.setLatency(null);
          detail = `${options.latency.minMs}–${options.latency.maxMs} ms per chunk each way for ${options.holdMs} ms`;
          break;
        }
        case 'throttle': {
          for (const l of lanes) l.setBandwidth(options.bandwidthBytesPerSecond);
          await sleep(options.holdMs);
          for (const l of lanes) l.setBandwidth(null);
          detail = `${options.bandwidthBytesPerSecond} B/s per connection for ${options.holdMs} ms`;
          break;
        }
        case 'kill-gateway': {
          const victim = mostUsers(cluster.nodes, clients);
          if (!victim) throw new Error('no gateway holds a client');
          affected = clients.filter((c) => victim.holds(c.userId));
          const burst = publisher.burst(1_000);
          const counted = () => affected.reduce((s, c) => s + c.orders.received, 0);
          const base = counted();
          // Mid-burst: once the burst is reaching the victim's clients.
          await until(() => counted() >= base + Math.min(100, affected.length), 10_000, 5);
          await victim.kill();
          const accepted = await burst;
          await sleep(2_000);
          await victim.start();
          detail = `${victim.options.nodeId} killed with ${affected.length} users; burst of 1000 ${accepted ? 'accepted' : 'failed'}; restarted`;
          break;
        }
        case 'kill-redis': {
          affected = clients;
          await cluster.redis!.kill();
          await sleep(3_000);
          await cluster.redis!.restart();
          detail = 'down 3 s';
          break;
        }
      }
      const live = await until(() => clients.every((c) => c.live()), options.settleTimeoutMs, 100);
      const notLive = live ? 0 : clients.filter((c) => !c.live()).length;
      await mark(fault, clients);
      const state = await probeServer(firstRunning(cluster.nodes).url, priceSymbol, bookSymbol);
      const current = await until(() => affected.every((c) => c.prices.lastSeq >= state.priceSeq), 30_000, 100);
      const notCurrent = current ? 0 : affected.filter((c) => c.prices.lastSeq < state.priceSeq).length;
      let tally = emptyTally();
      let missingMarkers = 0;
      let maxDelay = 0;
      for (const c of affected) {
        const t = c.orders.tally(previous, fault);
        if (t) tally = addTally(tally, t);
        else missingMarkers++;
        maxDelay = Math.max(maxDelay, c.orders.maxLatencyMs);
      }
      const after = marketCounters(affected);
      const prior = affected.reduce<MarketCounters>(
        (sum, c) => {
          const b = before.get(c)!;
          return {
            jumps: sum.jumps + b.jumps,
            reported: sum.reported + b.reported,
            stale: sum.stale + b.stale,
            resyncs: sum.resyncs + b.resyncs,
          };
        },
        { jumps: 0, reported: 0, stale: 0, resyncs: 0 },
      );
      clientLag.disable();
      const clientLagMaxMs = Math.round(clientLag.max / 1e6);
      const gatewayLagMaxMs = await gatewayLag.stop();
      const affectedIds = new Set(affected.map((c) => c.userId));
      const serverReasons: Record<string, number> = {};
      for (const d of cluster.nodes.flatMap((n) => n.disconnects)) {
        if (d.at < phaseStart || d.namespace !== '/user' || !d.userId || !affectedIds.has(d.userId)) continue;
        serverReasons[d.reason] = (serverReasons[d.reason] ?? 0) + 1;
      }
      const row: FaultRow = {
        fault,
        affected: affected.length,
        private: tally,
        missingMarkers,
        maxPrivateDelayMs: maxDelay,
        priceJumps: after.jumps - prior.jumps,
        priceReported: after.reported - prior.reported,
        priceStale: after.stale - prior.stale,
        bookResyncs: after.resyncs - prior.resyncs,
        notCurrent,
        notLive,
        clientLagMaxMs,
        gatewayLagMaxMs,
        serverReasons,
        detail,
        ...(halfOpen ? { halfOpen } : {}),
        ...(memory ? { memory } : {}),
      };
      rows.push(row);
      if (process.env.CHAOS_DEBUG) {
        const slow = affected.reduce((a, c) => (c.orders.maxLatencyMs > a.orders.maxLatencyMs ? c : a), affected[0]!);
        const trace = slow instanceof SdkChaosClient ? slow.trace.join('\n') : '';
        log(`slowest ${slow.userId}: ${slow.orders.maxLatencyMs} ms (phase began ${phaseStart})\n${trace}`);
      }
      log(`  ${JSON.stringify(row)}`);
      previous = fault;
    }

    const publisherStats = (await publisher.stop()) ?? null;
    let books: ChaosRunResult['books'] = null;
    if (options.mode === 'recovery') {
      const state = await probeServer(firstRunning(cluster.nodes).url, priceSymbol, bookSymbol);
      await until(() => clients.every((c) => c.book()?.seq === state.book.seq), 30_000, 100);
      const equal = clients.filter((c) => {
        const b = c.book();
        return (
          b?.synced &&
          b.seq === state.book.seq &&
          b.checksum === state.book.checksum &&
          JSON.stringify(b.bids) === JSON.stringify(state.book.bids) &&
          JSON.stringify(b.asks) === JSON.stringify(state.book.asks)
        );
      }).length;
      books = { equal, of: clients.length };
    }
    let total = emptyTally();
    let missing = 0;
    const last = options.faults.at(-1) ?? 'start';
    for (const c of clients) {
      const t = c.orders.tally('start', last);
      if (t) total = addTally(total, t);
      else missing++;
    }
    return {
      mode: options.mode,
      clients: clients.length,
      rows,
      total: { ...total, missingMarkers: missing },
      books,
      publisher: publisherStats,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
}

/** The running node holding the most of `clients`' `/user` connections. */
function mostUsers(nodes: readonly GatewayNode[], clients: readonly ChaosClient[]): GatewayNode | undefined {
  let best: GatewayNode | undefined;
  let most = -1;
  for (const n of nodes) {
    if (!n.running) continue;
    const held = clients.filter((c) => n.holds(c.userId)).length;
    if (held > most) {
      most = held;
      best = n;
    }
  }
  return best;
}

function firstRunning(nodes: readonly GatewayNode[]): GatewayNode {
  const node = nodes.find((n) => n.running);
  if (!node) throw new Error('no gateway running');
  return node;
}
