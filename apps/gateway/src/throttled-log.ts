import type { GatewayLogger } from './logger.js';

/**
 * Logs a recurring error once per window per message, then a summary with how many were suppressed,
 * so a dependency failing on every broadcast (e.g. Redis down) cannot flood the log.
 */
export class ThrottledLog {
  private readonly seen = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly logger: GatewayLogger,
    private readonly windowMs = 10_000,
    private readonly maxKeys = 100,
  ) {}

  error(err: unknown, msg: string): void {
    const key = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const now = Date.now();
    const entry = this.seen.get(key);
    if (entry && now < entry.until) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    if (!entry && this.seen.size >= this.maxKeys) this.seen.clear();
    this.seen.set(key, { until: now + this.windowMs, suppressed: 0 });
    this.logger.error({ err, ...(suppressed > 0 ? { suppressed } : {}) }, msg);
  }
}
