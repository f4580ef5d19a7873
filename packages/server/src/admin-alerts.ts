import type { AdminAlert } from '@ws/protocol';
import type { AlertThresholds } from './websocket-server-options.js';

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

/**
 * Edge-triggered threshold checks: one `warning` alert when a value crosses its threshold, one `info`
 * alert when it falls back below, nothing while it stays on the same side.
 */
export class AdminAlerts {
  private readonly firing = new Set<keyof AlertThresholds>();

  constructor(private readonly thresholds: AlertThresholds) {}

  check(inputs: AlertInputs, now = Date.now()): AdminAlert[] {
    const alerts: AdminAlert[] = [];
    for (const metric of Object.keys(LABELS) as (keyof AlertThresholds)[]) {
      const value = inputs[metric];
      const threshold = this.thresholds[metric];
      const above = value > threshold;
      if (above === this.firing.has(metric)) continue;
      if (above) this.firing.add(metric);
      else this.firing.delete(metric);
      alerts.push({
        level: above ? 'warning' : 'info',
        message: above
          ? `${LABELS[metric]} ${round(value)} is above the threshold ${threshold}`
          : `${LABELS[metric]} ${round(value)} is back below the threshold ${threshold}`,
        metric,
        value,
        threshold,
        timestamp: now,
      });
    }
    return alerts;
  }

  /** Metrics currently above their threshold. */
  active(): (keyof AlertThresholds)[] {
    return [...this.firing];
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
