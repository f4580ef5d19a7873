import { perCpuSecond } from './bench-report.js';

/*
 * Medians of several benchmark runs (`pnpm bench:median a.json b.json c.json`): one run on a shared 2-core VM
 * moves ±15–25 %, so bench/README.md quotes the median of three. It reads the written documents only, by
 * field name, so documents of older or newer report versions still line up where their fields agree.
 */

interface TrialFigures {
  deliveredPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  serverCpuPercent?: number;
}

interface StepFigures {
  clients: number;
  maxDeliveredPerSec?: number;
  floor?: boolean;
  connect?: { perSecond?: number; serverCpuPercent?: number | null };
  rssPerConnectionBytes?: number | null;
  atMax?: TrialFigures | null;
  halfLoad?: TrialFigures | null;
}

interface TargetFigures {
  target: string;
  /** Present once the benchmark has more than one workload. */
  workload?: string;
  steps: StepFigures[];
}

interface GoalFigures {
  goal: string;
  clients: number;
  ratio: number | null;
  limit: string;
  workload?: string;
}

/** The part of a written benchmark document (`bench/results/*.json`) the medians read. */
export interface BenchResultFile {
  date: string;
  machine?: { loadAverage?: { start: number | null; end: number } };
  targets: TargetFigures[];
  goals: GoalFigures[];
}

/** The median of the numbers present (the mean of the middle two for an even count); null for none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

/** Whether `value` meets a goal's limit as the report writes it (`>= 1.6`, `<= 10 ms`); null if unreadable. */
export function meetsLimit(value: number | null, limit: string): boolean | null {
  const m = /^\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)/.exec(limit);
  if (value === null || m === null) return null;
  const bound = Number(m[2]);
  return m[1] === '>=' ? value >= bound : value <= bound;
}

export interface MedianStep {
  target: string;
  workload: string | undefined;
  clients: number;
  runs: number;
  maxDeliveredPerSec: number | null;
  /** The smallest and largest max of the runs: the spread a reader should expect. */
  maxRange: [number, number] | null;
  /** Some run's max at this step was the load generator's limit (a floor). */
  floor: boolean;
  deliveredPerServerCpuSec: number | null;
  p50AtHalfLoadMs: number | null;
  p99AtHalfLoadMs: number | null;
  connectPerSecond: number | null;
  connectsPerServerCpuSec: number | null;
  rssPerConnectionBytes: number | null;
}

export interface MedianGoal {
  goal: string;
  workload: string | undefined;
  clients: number;
  ratios: (number | null)[];
  median: number | null;
  limit: string;
  met: boolean | null;
}

export interface MedianReport {
  files: { date: string; loadAverage: { start: number | null; end: number } | null }[];
  steps: MedianStep[];
  goals: MedianGoal[];
}

const keyOf = (...parts: (string | number | undefined)[]) => parts.map((p) => p ?? '').join('\u0000');

function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Medians per target, workload and step, and per goal, over `docs` (in the order they first appear). */
export function medianReport(docs: readonly BenchResultFile[]): MedianReport {
  if (docs.length === 0) throw new Error('bench:median needs at least one result file');
  const steps = docs.flatMap((doc) =>
    doc.targets.flatMap((t) => t.steps.map((step) => ({ target: t.target, workload: t.workload, step }))),
  );
  const medianSteps: MedianStep[] = [];
  for (const group of groupBy(steps, (s) => keyOf(s.workload, s.target, s.step.clients)).values()) {
    const first = group[0] as (typeof group)[number];
    const maxes = group.map((g) => g.step.maxDeliveredPerSec).filter((x): x is number => typeof x === 'number');
    medianSteps.push({
      target: first.target,
      workload: first.workload,
      clients: first.step.clients,
      runs: group.length,
      maxDeliveredPerSec: median(maxes),
      maxRange: maxes.length > 0 ? [Math.min(...maxes), Math.max(...maxes)] : null,
      floor: group.some((g) => g.step.floor === true),
      deliveredPerServerCpuSec: median(
        group.map((g) => perCpuSecond(g.step.atMax?.deliveredPerSec, g.step.atMax?.serverCpuPercent)),
      ),
      // A half-load trial that delivered nothing has no latency (its p99 of 0 is not a result).
      p50AtHalfLoadMs: median(group.map((g) => (g.step.halfLoad?.deliveredPerSec ? g.step.halfLoad.p50Ms : null))),
      p99AtHalfLoadMs: median(group.map((g) => (g.step.halfLoad?.deliveredPerSec ? g.step.halfLoad.p99Ms : null))),
      connectPerSecond: median(group.map((g) => g.step.connect?.perSecond)),
      connectsPerServerCpuSec: median(
        group.map((g) => perCpuSecond(g.step.connect?.perSecond, g.step.connect?.serverCpuPercent)),
      ),
      rssPerConnectionBytes: median(group.map((g) => g.step.rssPerConnectionBytes)),
    });
  }
  const goals = docs.flatMap((doc, run) => doc.goals.map((goal) => ({ goal, run })));
  const medianGoals: MedianGoal[] = [];
  for (const group of groupBy(goals, (g) => keyOf(g.goal.workload, g.goal.goal, g.goal.clients)).values()) {
    const first = (group[0] as (typeof group)[number]).goal;
    const ratios = docs.map((_, run) => group.find((g) => g.run === run)?.goal.ratio ?? null);
    const m = median(ratios);
    medianGoals.push({
      goal: first.goal,
      workload: first.workload,
      clients: first.clients,
      ratios,
      median: m,
      limit: first.limit,
      met: meetsLimit(m, first.limit),
    });
  }
  return {
    files: docs.map((d) => ({ date: d.date, loadAverage: d.machine?.loadAverage ?? null })),
    steps: medianSteps,
    goals: medianGoals,
  };
}

const int = (x: number | null) => (x === null ? '-' : Math.round(x).toLocaleString('en-US'));
const dec = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits));
const metCell = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : '**missed**');

function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`]
    .concat(rows.map((r) => `| ${r.join(' | ')} |`))
    .join('\n');
}

/** The report as the markdown bench/README.md quotes: the runs, the medians per step, the goals. */
export function formatMedianReport(report: MedianReport): string {
  const runs = report.files
    .map((f, i) => {
      const load = f.loadAverage ? ` (load ${dec(f.loadAverage.start, 1)} → ${dec(f.loadAverage.end, 1)})` : '';
      return `${i + 1}. ${f.date}${load}`;
    })
    .join('\n');
  const withWorkload = report.steps.some((s) => s.workload !== undefined);
  const steps = markdownTable(
    [
      ...(withWorkload ? ['workload'] : []),
      'target',
      'clients',
      'max msgs/s (median)',
      'min–max of runs',
      'msgs/srv-CPU-s',
      'p50 / p99 ms @50%',
      'conn/s',
      'conn/srv-CPU-s',
      'KB/conn',
    ],
    report.steps.map((s) => [
      ...(withWorkload ? [s.workload ?? '-'] : []),
      s.target,
      int(s.clients),
      `${s.floor ? '>= ' : ''}${int(s.maxDeliveredPerSec)}`,
      s.maxRange ? `${int(s.maxRange[0])}–${int(s.maxRange[1])}` : '-',
      int(s.deliveredPerServerCpuSec),
      `${dec(s.p50AtHalfLoadMs, 1)} / ${dec(s.p99AtHalfLoadMs, 1)}`,
      int(s.connectPerSecond),
      int(s.connectsPerServerCpuSec),
      s.rssPerConnectionBytes === null ? '-' : (s.rssPerConnectionBytes / 1024).toFixed(1),
    ]),
  );
  const goals = markdownTable(
    ['goal', 'clients', 'ratio per run', 'median', 'limit', 'median meets it'],
    report.goals.map((g) => [
      g.workload ? `${g.workload}: ${g.goal}` : g.goal,
      int(g.clients),
      g.ratios.map((r) => dec(r)).join(' / '),
      dec(g.median),
      g.limit,
      metCell(g.met),
    ]),
  );
  return `Runs:\n${runs}\n\n${steps}\n\n${goals}\n`;
}
