import { StatsAggregate } from '../clients/client-stats.js';
import { summarize } from '../measure/histogram.js';
import { Publisher } from '../publish/publisher.js';
import { WorkerPool } from '../workers/worker-pool.js';
import type { ClientSpec } from '../workers/worker-protocol.js';
import type { ConnectResult, LoadDriver, LoadDriverOptions, OfferResult } from './load-driver.js';
import { CpuMeter, procCpuSeconds, selfCpuSeconds } from './proc-usage.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fallback load generator: lean clients in worker threads of this process and the Node publisher.
 * Against the raw-ws baseline it saturates its core first (53–72k msgs/s on a 2-vCPU VM).
 */
export class NodeLoadDriver implements LoadDriver {
  readonly kind = 'node';
  private constructor(
    private readonly options: LoadDriverOptions,
    private readonly pool: WorkerPool,
    private readonly publisher: Publisher,
  ) {}

  static async start(options: LoadDriverOptions, workers: number): Promise<NodeLoadDriver> {
    if (options.market) throw new Error('the market workload needs the native load generator (make and a C compiler)');
    const pool = new WorkerPool(
      {
        url: options.url,
        mode: 'lean',
        target: options.protocol,
        namespaces: ['/prices'],
        channels: [],
        timeoutMs: options.connectTimeoutMs,
        concurrency: options.concurrency,
      },
      workers,
    );
    const publisher = new Publisher({
      url: options.url,
      token: options.publisherToken,
      targets: options.symbols.map((symbol) => ({ event: 'price.update' as const, symbol })),
      maxInFlight: 4,
    });
    await pool.ready();
    return new NodeLoadDriver(options, pool, publisher);
  }

  async connect(from: number, to: number, timeoutMs: number): Promise<ConnectResult> {
    const { symbols, clientTokens } = this.options;
    const specs: ClientSpec[] = [];
    for (let i = from; i < to; i++)
      specs.push({ index: i, symbols: [symbols[i % symbols.length] ?? ''], token: clientTokens?.[i] });
    const { ok, failed } = await this.pool.connect(specs, timeoutMs);
    const stats = new StatsAggregate();
    for (const d of await this.pool.collect()) stats.add(d);
    const p99Ms = summarize(stats.connectHistogram).p99;
    stats.destroy();
    return { ok, failed, p99Ms };
  }

  async offer(publishRate: number, durationSec: number, graceMs: number): Promise<OfferResult> {
    const { publisher, pool } = this;
    await pool.collect();
    publisher.resetCounters();
    const server = new CpuMeter(() => procCpuSeconds(this.options.serverPid));
    const loadgen = new CpuMeter(selfCpuSeconds);
    const t0 = performance.now();
    publisher.start(publishRate);
    await sleep(durationSec * 1000);
    const windowSec = (performance.now() - t0) / 1000;
    await publisher.stop();
    const serverCpuPercent = server.percent();
    const generatorCpuPercent = loadgen.percent();
    await sleep(graceMs);
    const stats = new StatsAggregate();
    for (const d of await pool.collect()) stats.add(d);
    const latency = summarize(stats.latencyHistogram);
    const p = publisher.stats;
    const result: OfferResult = {
      offered: p.offered,
      failed: p.failed,
      maxLagMs: p.maxLagMs,
      received: stats.received,
      windowSec,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      maxMs: latency.max,
      drops: stats.drops,
      gaps: stats.gapEvents,
      generatorCpuPercent,
      serverCpuPercent,
    };
    stats.destroy();
    return result;
  }

  async drain(boundMs: number): Promise<number> {
    const start = performance.now();
    while (performance.now() - start < boundMs) {
      await sleep(250);
      const received = (await this.pool.collect()).reduce((n, d) => n + d.received, 0);
      if (received === 0) break;
    }
    return Math.round(performance.now() - start);
  }

  async close(): Promise<void> {
    this.publisher.close();
    await this.pool.close();
  }
}
