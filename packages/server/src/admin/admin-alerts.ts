import type { AdminAlert } from '@ws/protocol';

/** Thresholds of `admin.alert`; an alert fires when a value crosses its threshold upwards (and once when it recovers). */
export interface AlertThresholds {
  /** Handler errors per second. */
  errorRatePerSec: number;
  /** Event-loop lag in milliseconds. */
  eventLoopLagMs: number;
  /** Open connections on this node. */
  connections: number;
}

/** The measured values the thresholds apply to. */
export interface AlertInputs {
  errorRatePerSec: number;
  eventLoopLagMs: number;
  connections: number;
}

const LABELS: Record<keyof AlertThresholds, string> = {
  errorRatePerSec: 'error rate',
  eventLoopLagMs: 'event-loop lag',
  connections: 'connection count',
};

/** How many raised alerts a node keeps for `alerts.list`. */
const HISTORY = 100;

/**
 * Edge-triggered threshold checks: one `warning` alert when a value crosses its threshold, one `info`
 * alert when it falls back below, nothing while it stays on the same side. The warnings still firing are
 * kept (`active()`), so they can be told to admins who were not connected when they fired.
 */
export class AdminAlerts {
  private readonly firing = new Map<keyof AlertThresholds, AdminAlert>();
  private readonly raised: AdminAlert[] = [];

  constructor(
    private readonly thresholds: AlertThresholds,
    private readonly nodeId?: string,
  ) {}

  check(inputs: AlertInputs, now = Date.now()): AdminAlert[] {
    const alerts: AdminAlert[] = [];
    for (const metric of Object.keys(LABELS) as (keyof AlertThresholds)[]) {
      const value = inputs[metric];
      const threshold = this.thresholds[metric];
      const above = value > threshold;
      if (above === this.firing.has(metric)) continue;
      const alert: AdminAlert = {
        level: above ? 'warning' : 'info',
        message: above
          ? `${LABELS[metric]} ${round(value)} is above the threshold ${threshold}`
          : `${LABELS[metric]} ${round(value)} is back below the threshold ${threshold}`,
        metric,
        value,
        threshold,
        timestamp: now,
        ...(this.nodeId === undefined ? {} : { nodeId: this.nodeId }),
      };
      if (above) this.firing.set(metric, alert);
      else this.firing.delete(metric);
      alerts.push(alert);
      this.raised.push(alert);
      if (this.raised.length > HISTORY) this.raised.shift();
    }
    return alerts;
  }

  /** The alerts still firing, as they were raised (oldest first). */
  active(): AdminAlert[] {
    return [...this.firing.values()];
  }

  /** The alerts firing now and the last raised ones, oldest first. */
  list(): { active: AdminAlert[]; history: AdminAlert[] } {
    return { active: this.active(), history: [...this.raised] };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
