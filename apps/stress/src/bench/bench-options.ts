import { DEFAULT_SYMBOLS } from '@ws/protocol';

/**
 * The servers the benchmark compares, in the order they run: three single nodes, then the Redis pair (the
 * gateway with `REDIS_URL`, Socket.IO with `@socket.io/redis-adapter`, each on a fresh `redis-server`).
 */
export const BENCH_TARGETS = [
  'baseline-socketio',
  'baseline-ws',
  'gateway',
  'baseline-socketio-redis',
  'gateway-redis',
] as const;
export type BenchTarget = (typeof BENCH_TARGETS)[number];
/** `price`: one symbol per client on `/prices`; `market`: Zipf-skewed depth/trades/ticker on `/market`. */
export const BENCH_WORKLOADS = ['price', 'market'] as const;
export type BenchWorkload = (typeof BENCH_WORKLOADS)[number];

export interface BenchOptions {
  /** Workloads, in the order they run; every target runs each. */
  workloads: BenchWorkload[];
  /** Market workload: the publisher sends what is due once per this many ms. */
  marketBatchMs: number;
  targets: BenchTarget[];
  /** Connected clients per step, ascending; connections are added between steps. */
  steps: number[];
  /** Length of one trial at a fixed offered rate (s). */
  durationSec: number;
  /** A trial is sustained when at least this share of the offered messages arrive… */
  minDeliveredRatio: number;
  /** …and the p99 latency stays at or below this (ms). */
  maxP99Ms: number;
  /** First offered rate of the search (delivered msgs/s). */
  startRate: number;
  /** Ceiling of the offered rate (delivered msgs/s): the search stops there even if it is sustained. */
  maxRate: number;
  /** Bisection steps after the first failing rate. */
  bisections: number;
  /** `native`: the C epoll client of bench/native (built with make); `node`: the Node lean clients. */
  loadgen: 'native' | 'node';
  /** Load-generator threads (`node` only). */
  workers: number;
  /** Trials at half the max; the one with the median p99 is reported. */
  halfLoadTrials: number;
  /** After the search, one trial at this multiple of the max (overload behaviour); 0 skips it. */
  overloadFactor: number;
  /** A second overload trial at this multiple (does latency grow with the excess?); 0 skips it. */
  overloadHighFactor: number;
  /** Pin the server to CPU 0 and the load generator to CPU 1 (needs 2+ CPUs and taskset). */
  pin: boolean;
  /** Wall-time budget of the whole run (s), shared equally by the targets; 0 = none. */
  budgetSec: number;
  /** Where the JSON result goes. */
  outDir: string;
  /** Extra Node.js flags for the server processes, e.g. `--trace-gc` (diagnostics; empty by default). */
  serverNodeFlags: string[];
  /** When set, each server's stdout and stderr are appended to `<dir>/<target>.log`. */
  serverLogDir: string | undefined;
}

/**
 * The symbols the benchmark spreads clients over: the gateway's own defaults, since its `gateway` target runs
 * without `WS_SYMBOLS` and refuses any symbol outside that list.
 */
export const BENCH_SYMBOLS = DEFAULT_SYMBOLS;
const SYMBOL_COUNT = BENCH_SYMBOLS.length;

export function numberEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new Error(`${name} must be a number from ${min} to ${max}, got ${raw}`);
  return n;
}

function readWorkloads(raw: string | undefined): BenchWorkload[] {
  if (raw === undefined || raw === '' || raw === 'all') return [...BENCH_WORKLOADS];
  if (raw === 'price' || raw === 'market') return [raw];
  throw new Error(`BENCH_WORKLOAD must be price, market or all, got ${raw}`);
}

function readLoadgen(raw: string | undefined): 'native' | 'node' {
  if (raw === undefined || raw === '' || raw === 'native') return 'native';
  if (raw === 'node') return 'node';
  throw new Error(`BENCH_LOADGEN must be native or node, got ${raw}`);
}

/** Reads `BENCH_*` variables; the defaults are the full benchmark of the issue. */
export function readBenchOptions(env: Record<string, string | undefined>, defaultOutDir: string): BenchOptions {
  const steps = (env.BENCH_STEPS ?? '1000,5000,10000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  if (steps.length === 0 || steps.some((n) => !Number.isInteger(n) || n % SYMBOL_COUNT !== 0 || n > 60_000)) {
    throw new Error(`BENCH_STEPS must be multiples of ${SYMBOL_COUNT} up to 60000, comma-separated`);
  }
  const targets = (env.BENCH_TARGETS ?? BENCH_TARGETS.join(',')).split(',').map((s) => s.trim()) as BenchTarget[];
  for (const t of targets) if (!BENCH_TARGETS.includes(t)) throw new Error(`BENCH_TARGETS: unknown target ${t}`);
  return {
    workloads: readWorkloads(env.BENCH_WORKLOAD),
    marketBatchMs: numberEnv(env, 'BENCH_MARKET_BATCH_MS', 50, 5, 1000),
    targets,
    steps: [...new Set(steps)].sort((a, b) => a - b),
    durationSec: numberEnv(env, 'BENCH_DURATION', 5, 1, 600),
    minDeliveredRatio: numberEnv(env, 'BENCH_MIN_DELIVERED', 0.97, 0.5, 1),
    maxP99Ms: numberEnv(env, 'BENCH_MAX_P99_MS', 100, 1, 10_000),
    startRate: numberEnv(env, 'BENCH_START_RATE', 20_000, 10, 10_000_000),
    maxRate: numberEnv(env, 'BENCH_MAX_RATE', 2_000_000, 10, 100_000_000),
    bisections: numberEnv(env, 'BENCH_BISECTIONS', 3, 0, 10),
    loadgen: readLoadgen(env.BENCH_LOADGEN),
    workers: numberEnv(env, 'BENCH_WORKERS', 1, 1, 16),
    halfLoadTrials: numberEnv(env, 'BENCH_HALF_LOAD_TRIALS', 3, 1, 9),
    overloadFactor: numberEnv(env, 'BENCH_OVERLOAD', 2, 0, 10),
    overloadHighFactor: numberEnv(env, 'BENCH_OVERLOAD_HIGH', 4, 0, 20),
    pin: env.BENCH_PIN !== '0',
    budgetSec: numberEnv(env, 'BENCH_BUDGET_SEC', 0, 0, 86_400),
    outDir: env.BENCH_OUT ?? defaultOutDir,
    serverNodeFlags: (env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== ''),
    serverLogDir: env.BENCH_SERVER_LOG_DIR || undefined,
  };
}
