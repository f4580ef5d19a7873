import { StatsAggregate } from '../clients/client-stats.js';
import { mintToken } from '../gateway/token.js';
import { GatewayMetricsPoller, type GatewayUsage } from '../measure/gateway-metrics.js';
import { summarize } from '../measure/histogram.js';
import { planTargets } from '../publish/publish-plan.js';
import { Publisher } from '../publish/publisher.js';
import { WorkerPool } from '../workers/worker-pool.js';
import type { ClientSpec } from '../workers/worker-protocol.js';
import { sourceAddressFor } from './loopback.js';
import type { StressOptions } from './stress-options.js';
import { buildReport, type StressReport } from './stress-report.js';

export interface StressRunIo {
  /** Where the live progress line goes. */
  progress: (line: string, final: boolean) => void;
  /** Aborting ends the run early; the report is still built. */
  signal?: AbortSignal | undefined;
}

const userIdOf = (i: number) => `stress-user-${i}`;

function symbolsFor(index: number, symbols: readonly string[], perClient: number): string[] {
  if (perClient <= 0 || perClient >= symbols.length) return [...symbols];
  return Array.from({ length: perClient }, (_, k) => symbols[(index * perClient + k) % symbols.length] ?? '');
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Clients (tokens minted when a secret is given) with their symbols and source addresses. */
export async function buildClientSpecs(options: StressOptions, ttlSec: number): Promise<ClientSpec[]> {
  const specs: ClientSpec[] = [];
  for (let i = 0; i < options.clients; i++) {
    const token = options.tokenSecret
      ? await mintToken(options.tokenSecret, { userId: userIdOf(i), role: 'user', ttlSec })
      : undefined;
    specs.push({
      index: i,
      token,
      symbols: symbolsFor(i, options.symbols, options.symbolsPerClient),
      localAddress: sourceAddressFor(i, options.clients, options.mode === 'lean' ? options.namespaces.length : 1),
    });
  }
  return specs;
}

/**
 * One load test: connect the clients (spread over worker threads and the ramp-up), publish or listen for
 * the duration while printing a live line, then close everything and build the report. Every phase is
 * bounded in time; every thread, socket and timer is released before it returns.
 */
export async function runStress(options: StressOptions, io: StressRunIo): Promise<StressReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const ttlSec = Math.ceil(options.rampUpSec + options.durationSec + 3600);
  const specs = await buildClientSpecs(options, ttlSec);
  const all = new StatsAggregate();
  const measured = new StatsAggregate();
  let measuring = false;
  let connected = 0;
  let interval = new StatsAggregate();
  let intervalStart = performance.now();

  const poller = options.metricsUrl ? new GatewayMetricsPoller(options.metricsUrl, options.metricsIntervalMs) : null;
  poller?.start();
  const pool = new WorkerPool(
    {
      url: options.url,
      mode: options.mode,
      target: 'socketio',
      namespaces: options.namespaces,
      channels: options.channels,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
    },
    options.workers,
  );
  const publisher =
    options.publishRate > 0 && options.tokenSecret
      ? new Publisher({
          url: options.url,
          token: await mintToken(options.tokenSecret, { userId: 'stress-publisher', role: 'service', ttlSec }),
          targets: planTargets(
            options.namespaces,
            options.symbols,
            specs.map((s) => userIdOf(s.index)),
          ),
        })
      : null;

  const collect = async () => {
    const deltas = await pool.collect();
    connected = deltas.reduce((sum, d) => sum + d.connected, 0);
    for (const delta of deltas) {
      all.add(delta);
      interval.add(delta);
      if (measuring) measured.add(delta);
    }
  };

  const progress = async (final: boolean) => {
    await collect();
    const now = performance.now();
    const secs = (now - intervalStart) / 1000;
    const p99 = summarize(interval.latencyHistogram).p99;
    const gw = poller?.latest();
    const line =
      `[${((now - t0) / 1000).toFixed(1).padStart(6)}s] connected ${connected}/${specs.length}` +
      `  msgs/s ${Math.round(interval.received / Math.max(secs, 0.001)).toLocaleString('en-US')}` +
      `  p99 ${p99} ms  errors ${all.errorCount}  gaps ${all.gapEvents}` +
      (gw && gw.cpuPercent !== null ? `  gw cpu ${Math.round(gw.cpuPercent)}%` : '') +
      (gw && gw.rssBytes !== null ? ` rss ${Math.round(gw.rssBytes / 1048576)} MB` : '');
    interval.destroy();
    interval = new StatsAggregate();
    intervalStart = now;
    io.progress(line, final);
  };
  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    progress(false)
      .catch(() => undefined)
      .finally(() => {
        ticking = false;
      });
  }, options.progressIntervalMs);

  let connectSec = 0;
  let measuredSec = 0;
  let publisherStats = null;
  let gateway: GatewayUsage | null = null;
  try {
    // Threads load their code first (seconds under tsx); connect times must not include that.
    await pool.ready();
    // Connect phase: batches every 100 ms over the ramp-up, or everything at once.
    const connectStart = performance.now();
    const batches = options.rampUpSec > 0 ? Math.max(1, Math.ceil(options.rampUpSec * 10)) : 1;
    const per = Math.ceil(specs.length / batches);
    const waves = Math.ceil(specs.length / (options.workers * options.concurrency));
    const connectBound = options.rampUpSec * 1000 + options.timeoutMs * (waves + 1) + 30_000;
    const pending: Promise<unknown>[] = [];
    for (let b = 0; b < batches && !io.signal?.aborted; b++) {
      const slice = specs.slice(b * per, (b + 1) * per);
      if (slice.length > 0) pending.push(pool.connect(slice, connectBound));
      if (b < batches - 1) await sleep(100, io.signal);
    }
    const bound = new AbortController();
    const onAbort = () => bound.abort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    await Promise.race([Promise.allSettled(pending), sleep(connectBound, bound.signal)]);
    bound.abort();
    io.signal?.removeEventListener('abort', onAbort);
    connectSec = (performance.now() - connectStart) / 1000;

    // Measured phase.
    while (ticking) await sleep(10);
    await collect();
    measuring = true;
    const measureStart = performance.now();
    publisher?.start(options.publishRate);
    await sleep(options.durationSec * 1000, io.signal);
    measuredSec = (performance.now() - measureStart) / 1000;
    await publisher?.stop();
    // Messages published at the very end are still on the wire: a short grace counts them.
    await sleep(Math.min(1000, 200 + options.durationSec * 10));
    while (ticking) await sleep(10);
    clearInterval(ticker);
    await progress(true);
    measuring = false;
  } finally {
    clearInterval(ticker);
    publisherStats = publisher ? { ...publisher.stats } : null;
    publisher?.close();
    const finals = await pool.close();
    for (const delta of finals) all.add(delta);
    gateway = poller ? await poller.stop() : null;
  }

  const report = buildReport({
    options,
    startedAt,
    finishedAt: new Date(),
    interrupted: io.signal?.aborted ?? false,
    all,
    measured,
    measuredSec,
    connectSec,
    connectedAtEnd: connected,
    publisher: publisherStats,
    gateway,
  });
  all.destroy();
  measured.destroy();
  interval.destroy();
  return report;
}
