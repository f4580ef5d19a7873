import { Agent } from 'node:http';
import { postPublish } from './post-publish.js';
import { buildItem, type PublishItem, type PublishTarget } from './publish-plan.js';

export interface PublisherOptions {
  /** Server base URL; items go to `POST <url>/api/v1/publish`. */
  url: string;
  /** Bearer token with role `service` (the gateway needs one; the baselines ignore it). */
  token?: string | undefined;
  targets: readonly PublishTarget[];
  /** Tick of the rate loop (ms): each tick sends what is due as one batch. Default 5. */
  tickMs?: number;
  /** Requests in flight at most; what is due meanwhile waits and shows as lag. Default 4. */
  maxInFlight?: number;
  /** Most items per request (the gateway's `WS_PUBLISH_MAX_ITEMS`). Default 1000. */
  maxBatch?: number;
}

/** Counters of a publisher since it started (or since `resetCounters`). */
export interface PublisherStats {
  offered: number;
  accepted: number;
  failed: number;
  failuresByStatus: Record<string, number>;
  /** Largest backlog seen, in ms of the current rate. */
  maxLagMs: number;
}

/** Publishes through the HTTP publish API at a target rate (items/s), batching what each tick makes due. */
export class Publisher {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly endpoint: URL;
  private readonly tickMs: number;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private rate = 0;
  private startedAt = 0;
  private due = 0;
  private produced = 0;
  private counter = 0;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  stats: PublisherStats = { offered: 0, accepted: 0, failed: 0, failuresByStatus: {}, maxLagMs: 0 };

  constructor(private readonly options: PublisherOptions) {
    this.endpoint = new URL('/api/v1/publish', options.url);
    this.tickMs = options.tickMs ?? 5;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.maxBatch = options.maxBatch ?? 1000;
    if (options.targets.length === 0) throw new Error('publisher: nothing to publish');
  }

  /** Starts (or re-targets) publishing at `rate` items/s. */
  start(rate: number): void {
    this.stopTimer();
    this.rate = rate;
    this.startedAt = performance.now();
    this.due = 0;
    this.produced = 0;
    if (rate <= 0) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  resetCounters(): void {
    this.stats = { offered: 0, accepted: 0, failed: 0, failuresByStatus: {}, maxLagMs: 0 };
  }

  private tick(): void {
    this.due = Math.floor((this.rate * (performance.now() - this.startedAt)) / 1000);
    const backlog = this.due - this.produced;
    const lagMs = (backlog / this.rate) * 1000;
    if (lagMs > this.stats.maxLagMs) this.stats.maxLagMs = lagMs;
    while (this.inFlight < this.maxInFlight && this.produced < this.due) {
      const n = Math.min(this.maxBatch, this.due - this.produced);
      const items: PublishItem[] = [];
      for (let i = 0; i < n; i++) {
        const target = this.options.targets[this.counter % this.options.targets.length];
        if (target) items.push(buildItem(target, this.counter));
        this.counter++;
      }
      this.produced += n;
      this.stats.offered += n;
      this.send(items);
    }
  }

  private send(items: PublishItem[]): void {
    this.inFlight++;
    postPublish(this.endpoint, JSON.stringify(items), {
      agent: this.agent,
      token: this.options.token,
      timeoutMs: 10_000,
    }).then((status) => {
      this.inFlight--;
      if (status === '202' || status === '200') this.stats.accepted += items.length;
      else {
        this.stats.failed += items.length;
        this.stats.failuresByStatus[status] = (this.stats.failuresByStatus[status] ?? 0) + items.length;
      }
      if (this.inFlight === 0) for (const resolve of this.idle) resolve();
    });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops publishing and waits (bounded) for requests in flight. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopTimer();
    this.rate = 0;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.idle.add(finish);
    });
    this.idle.clear();
  }

  close(): void {
    this.stopTimer();
    this.agent.destroy();
  }
}
