import type { Sample } from './stats-history.js';

export interface SeriesSpec {
  key: string;
  label: string;
}

interface LineChartProps {
  title: string;
  series: SeriesSpec[];
  samples: readonly Sample[];
  now: number;
  windowMs: number;
  format: (n: number) => string;
}

const WIDTH = 360;
const HEIGHT = 120;
const PAD = { left: 46, right: 6, top: 8, bottom: 18 };
/** Series colours (classes in console.css), in order. */
const COLOURS = 8;

/** The smallest 1-2-5 step ceiling at or above `n`, so the axis reads in round numbers. */
function niceCeil(n: number): number {
  if (!(n > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (n <= step * power) return step * power;
  return 10 * power;
}

/**
 * A time-series line chart in plain SVG: a few hundred points per series over a fixed window.
 * Small enough to write here (a charting library would cost more than the rest of the console).
 */
export function LineChart({ title, series, samples, now, windowMs, format }: LineChartProps) {
  const start = now - windowMs;
  const visible = samples.filter((s) => s.t >= start);
  let top = 0;
  for (const s of visible) for (const { key } of series) top = Math.max(top, s.values[key] ?? 0);
  const yMax = niceCeil(top);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - start) / windowMs) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const latest = visible.at(-1);
  const summary = series.map((s) => `${s.label} ${format(latest?.values[s.key] ?? 0)}`).join(', ');
  const minutes = Math.round(windowMs / 60_000);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}, last ${minutes} minutes: ${summary}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f} class="grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(yMax * f)} y2={y(yMax * f)} />
            <text x={PAD.left - 4} y={y(yMax * f) + 3} text-anchor="end">
              {format(yMax * f)}
            </text>
          </g>
        ))}
        {[0, 1 / 3, 2 / 3, 1].map((f) => (
          <text key={f} class="axis" x={PAD.left + f * plotW} y={HEIGHT - 4} text-anchor={f === 1 ? 'end' : 'middle'}>
            {f === 1 ? 'now' : `-${Math.round(minutes * (1 - f))}m`}
          </text>
        ))}
        {series.map((s, i) => {
          const points = visible.map((p) => `${x(p.t).toFixed(1)},${y(p.values[s.key] ?? 0).toFixed(1)}`);
          if (points.length === 0) return null;
          // One point is a dot, so a fresh chart shows the first report.
          const d = points.length === 1 ? `M${points[0]}h1` : `M${points.join('L')}`;
          return <path key={s.key} class={`line c${i % COLOURS}`} d={d} />;
        })}
      </svg>
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.key}>
            <span class={`swatch c${i % COLOURS}`} aria-hidden="true" />
            {s.label} <b>{format(latest?.values[s.key] ?? 0)}</b>
          </li>
        ))}
        {series.length === 0 ? <li>none</li> : null}
      </ul>
    </figure>
  );
}
