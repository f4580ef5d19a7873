// One load-generator thread of client-cost.ts: connects the clients of one LeanClient implementation (the
// current one, or an older one materialised from git), then measures what they receive and what it costs.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientStats as ClientStatsType } from '../src/clients/client-stats.js';
import type { LeanClientOptions, LeanTarget } from '../src/clients/lean-client.js';

export interface CostWorkerData {
  /** Directory holding lean-client.ts and client-stats.ts of the implementation under test (file URL). */
  implementation: string;
  url: string;
  target: LeanTarget;
  clients: number;
  symbols: readonly string[];
  entry: string;
}

export type CostRequest = { type: 'measure'; seconds: number } | { type: 'close' };

export type CostReply =
  | { type: 'connected'; ok: number; failed: number; failures: Record<string, number> }
  | {
      type: 'measured';
      received: number;
      wallSec: number;
      /** CPU seconds of this thread alone (null when /proc cannot tell). */
      threadCpuSec: number | null;
      /** Share of the thread's CPU time spent in the kernel (socket reads, epoll), null when unknown. */
      systemShare: number | null;
      /** Event-loop utilisation over the window, a cross-check of the CPU figure. */
      elu: number;
      gaps: number;
      drops: number;
    }
  | { type: 'closed' };

interface Client {
  connect(): Promise<void>;
  close(): void;
}

/** On-CPU seconds of the calling thread: schedstat (ns) when the kernel has it, else stat (ticks). */
function threadCpuSeconds(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // fall through
  }
  const ticks = threadTicks();
  return ticks === null ? null : (ticks.user + ticks.system) / 100;
}

/** User and system clock ticks (1/100 s) of the calling thread: how much of its time is the kernel's. */
function threadTicks(): { user: number; system: number } | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return null;
  }
}

const data = workerData as CostWorkerData;
const port = parentPort;
if (port === null) throw new Error('client-cost-worker must run in a worker thread');
const reply = (message: CostReply) => port.postMessage(message);

const { LeanClient } = (await import(new URL('lean-client.ts', data.implementation).href)) as {
  LeanClient: new (options: LeanClientOptions) => Client;
};
const { ClientStats } = (await import(new URL('client-stats.ts', data.implementation).href)) as {
  ClientStats: new () => ClientStatsType;
};

const stats = new ClientStats();
const clients: Client[] = [];
let next = 0;
let ok = 0;
let failed = 0;
const lane = async () => {
  while (next < data.clients) {
    const i = next++;
    const client = new LeanClient({
      url: data.url,
      target: data.target,
      namespace: '/prices',
      symbols: [data.symbols[i % data.symbols.length] ?? 'BTC/USDT'],
      channels: [],
      timeoutMs: 30_000,
      stats,
    });
    clients.push(client);
    try {
      await client.connect();
      ok++;
    } catch {
      failed++;
    }
  }
};
await Promise.all(Array.from({ length: 200 }, lane));
reply({ type: 'connected', ok, failed, failures: stats.take().connectFailures });

port.on('message', (request: CostRequest) => {
  if (request.type === 'close') {
    for (const client of clients) client.close();
    reply({ type: 'closed' });
    port.close();
    return;
  }
  stats.take();
  const cpu0 = threadCpuSeconds();
  const ticks0 = threadTicks();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  setTimeout(() => {
    const cpu1 = threadCpuSeconds();
    const ticks1 = threadTicks();
    const delta = stats.take();
    const user = ticks0 && ticks1 ? ticks1.user - ticks0.user : 0;
    const system = ticks0 && ticks1 ? ticks1.system - ticks0.system : 0;
    reply({
      type: 'measured',
      received: delta.received,
      wallSec: (performance.now() - t0) / 1000,
      threadCpuSec: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      systemShare: user + system > 0 ? system / (user + system) : null,
      elu: performance.eventLoopUtilization(elu0).utilization,
      gaps: delta.gapEvents,
      drops: delta.drops,
    });
  }, request.seconds * 1000);
});
