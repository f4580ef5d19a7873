import type { AdminAlert } from '@ws/protocol';
import { formatMs, formatNumber } from '../output.js';
import type { DashboardView } from './dashboard-state.js';

/** `12.3/s`, or `-` while unknown. */
export function formatRate(value: number | undefined): string {
  return value === undefined ? '-' : `${formatNumber(value, 1)}/s`;
}

/** The top `n` symbols as `BTC/USDT(3) ETH/USDT(1)`. */
export function formatTopSymbols(view: DashboardView, n: number): string {
  const top = view.topSymbols.slice(0, n);
  return top.length === 0 ? '-' : top.map((s) => `${s.symbol}(${s.subscribers})`).join(' ');
}

/** One plain line of a report, for logs and pipes. */
export function plainStatsLine(view: DashboardView, at = Date.now()): string {
  const namespaces = Object.entries(view.namespaces)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, m]) => `${ns}=${m.connections}`)
    .join(' ');
  const maintenance = view.maintenance === null ? '?' : view.maintenance.enabled ? 'on' : 'off';
  return [
    new Date(at).toISOString(),
    `nodes=${view.nodes.join(',') || '-'}`,
    `connections=${view.connections.current}${namespaces ? ` (${namespaces})` : ''}`,
    `in=${formatRate(view.rate?.in)}`,
    `out=${formatRate(view.rate?.out)}`,
    `p50=${formatMs(view.latency.p50)}`.replace(' ', ''),
    `p95=${formatMs(view.latency.p95)}`.replace(' ', ''),
    `p99=${formatMs(view.latency.p99)}`.replace(' ', ''),
    `ping=${view.pingRtt ? formatMs(view.pingRtt.p50) : '-'}`.replace(' ', ''),
    `errors=${formatNumber(view.errors.rate, 2)}/s`,
    `rate-limited=${view.rateLimitRejections ?? '-'}`,
    `maintenance=${maintenance}`,
    `alerts=${view.activeAlerts.length}`,
    `top=${formatTopSymbols(view, 5).replaceAll(' ', ',')}`,
  ].join(' ');
}

/** Latency figures as `p50 1.23 ms  p95 …  p99 …`. */
export function formatLatency(latency: { p50: number; p95: number; p99: number }): string {
  return `p50 ${formatMs(latency.p50)}  p95 ${formatMs(latency.p95)}  p99 ${formatMs(latency.p99)}`;
}

/** One line of an active alert: `warning gw-1 connection count 3 is above the threshold 2 (since 12:00:01Z)`. */
export function activeAlertLine(alert: AdminAlert): string {
  const node = alert.nodeId === undefined ? '' : ` ${alert.nodeId}`;
  return `${alert.level}${node}: ${alert.message} (since ${new Date(alert.timestamp).toISOString().slice(11, 19)}Z)`;
}

/** One line of an alert. */
export function alertLine(alert: AdminAlert): string {
  const figures =
    alert.metric === undefined
      ? ''
      : ` [${alert.metric}${alert.value === undefined ? '' : `=${alert.value}`}${alert.threshold === undefined ? '' : ` threshold ${alert.threshold}`}]`;
  return `${new Date(alert.timestamp).toISOString()} ALERT ${alert.level}: ${alert.message}${figures}`;
}
