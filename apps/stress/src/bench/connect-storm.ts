import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startGatewayProcess } from '../gateway/gateway-process.js';
import { mintToken } from '../gateway/token.js';
import { BENCH_SYMBOLS, BENCH_TARGETS, type BenchTarget, numberEnv } from './bench-options.js';
import { BENCH_JWT_SECRET, type RunningTarget, startTarget } from './bench-target.js';
import { pinSelfToCpu1 } from './cpu-pinning.js';
import { median } from './median-report.js';
import { buildNativeLoadGenerator, NativeLoadDriver } from './native-load-driver.js';
import { procCpuSeconds, procMainThreadCpuSeconds } from './proc-usage.js';

/*
 * `pnpm bench:connect`: connections per second, gateway against plain Socket.IO, in rounds that alternate the
 * targets (a fresh server each), so a machine that slows down for a minute moves both alike; medians of the
 * rounds and their ratio. One round: the main benchmark's connect steps on a cold process (1 000, then +4 000,
 * then +5 000), then `storms` reconnect storms onto the now warm process: every client closed at once and all
 * of them connecting again, as the clients of a lost node arrive at a surviving one.
 */

/** A benchmark target, or `gateway-bundle`: the gateway bundle `CONNECT_GATEWAY_BUNDLE` (another revision's). */
export type ConnectTarget = BenchTarget | 'gateway-bundle';

export interface ConnectStormOptions {
  /** The first is the baseline the ratios divide by. */
  targets: ConnectTarget[];
  /** The production bundle `gateway-bundle` runs (`apps/gateway/dist/main.js` of another checkout). */
  gatewayBundle?: string;
  rounds: number;
  /** Cumulative client counts of the cold connect steps; the last is the storm's size. */
  steps: number[];
  storms: number;
  /** Connects in flight (the main benchmark's 200). */
  concurrency: number;
  /** Server on CPU 0, load generator (and a Redis target's redis-server) on CPU 1. */
  pin: boolean;
}

/** Reads `CONNECT_*` (and `BENCH_PIN`); the defaults: Socket.IO vs gateway, 5 rounds, 1k/5k/10k, 2 storms. */
export function readConnectStormOptions(env: Record<string, string | undefined>): ConnectStormOptions {
  const targets = (env.CONNECT_TARGETS ?? 'baseline-socketio,gateway').split(',').map((s) => s.trim());
  for (const t of targets)
    if (t !== 'gateway-bundle' && !(BENCH_TARGETS as readonly string[]).includes(t))
      throw new Error(`CONNECT_TARGETS: unknown target ${t}`);
  const bundle = env.CONNECT_GATEWAY_BUNDLE || undefined;
  if (targets.includes('gateway-bundle') && (bundle === undefined || !existsSync(bundle)))
    throw new Error(
      `CONNECT_GATEWAY_BUNDLE must name a built gateway (apps/gateway/dist/main.js) for the target gateway-bundle, got ${bundle ?? 'nothing'}`,
    );
  const steps = (env.CONNECT_STEPS ?? '1000,5000,10000').split(',').map((s) => Number(s.trim()));
  if (
    steps.length === 0 ||
    steps.some((n, i) => !Number.isInteger(n) || n <= 0 || n > 60_000 || n <= (steps[i - 1] ?? 0))
  )
    throw new Error('CONNECT_STEPS must be increasing client counts up to 60000, comma-separated');
  return {
    targets: targets as ConnectTarget[],
    ...(bundle === undefined ? {} : { gatewayBundle: bundle }),
    rounds: numberEnv(env, 'CONNECT_ROUNDS', 5, 1, 50),
    steps,
    storms: numberEnv(env, 'CONNECT_STORMS', 2, 0, 20),
    concurrency: numberEnv(env, 'CONNECT_CONCURRENCY', 200, 1, 10_000),
    pin: env.BENCH_PIN !== '0',
  };
}

/** One connect phase of one round. */
export interface PhaseSample {
  /** `connect N` (cold steps, N clients connected after it) or `storm K`. */
  phase: string;
  /** Clients this phase connected. */
  added: number;
  failed: number;
  perSecond: number;
  /** Server CPU (all threads: JavaScript, GC helpers, JIT compilers, kernel time of its calls) per connect. */
  cpuUsPerConnect: number | null;
  /** The main thread's share of it. */
  mainThreadUsPerConnect: number | null;
}

export interface ConnectStormRound {
  round: number;
  target: ConnectTarget;
  phases: PhaseSample[];
}

export interface PhaseSummary {
  phase: string;
  perSecond: number | null;
  cpuUsPerConnect: number | null;
  mainThreadUsPerConnect: number | null;
  /** Rounds in which some client failed to connect. */
  roundsWithFailures: number;
}

export interface ConnectStormSummary {
  baseline: ConnectTarget;
  targets: { target: ConnectTarget; phases: PhaseSummary[] }[];
  /** Median connections/s of each other target ÷ the baseline's, per phase. */
  ratios: { target: ConnectTarget; phase: string; ratio: number | null }[];
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x));

/** Medians over the rounds per target and phase, and each target's ratio to the first. */
export function summarizeConnectStorm(targets: readonly ConnectTarget[], rounds: readonly ConnectStormRound[]) {
  const phases = [...new Set(rounds.flatMap((r) => r.phases.map((p) => p.phase)))];
  const of = (target: ConnectTarget, phase: string) =>
    rounds.filter((r) => r.target === target).flatMap((r) => r.phases.filter((p) => p.phase === phase));
  const summary: ConnectStormSummary = {
    baseline: targets[0] as ConnectTarget,
    targets: targets.map((target) => ({
      target,
      phases: phases.map((phase) => {
        const samples = of(target, phase);
        return {
          phase,
          perSecond: round1(median(samples.map((s) => s.perSecond))),
          cpuUsPerConnect: round1(median(samples.map((s) => s.cpuUsPerConnect))),
          mainThreadUsPerConnect: round1(median(samples.map((s) => s.mainThreadUsPerConnect))),
          roundsWithFailures: samples.filter((s) => s.failed > 0).length,
        };
      }),
    })),
    ratios: [],
  };
  const base = summary.targets[0];
  for (const t of summary.targets.slice(1))
    for (const [i, p] of t.phases.entries()) {
      const b = base?.phases[i]?.perSecond ?? null;
      const ratio = p.perSecond !== null && b ? Math.round((p.perSecond / b) * 100) / 100 : null;
      summary.ratios.push({ target: t.target, phase: p.phase, ratio });
    }
  return summary;
}

/** The summary as a Markdown table: one row per phase, connections/s and CPU per connect of each target. */
export function formatConnectStorm(summary: ConnectStormSummary, rounds: number): string {
  const head = summary.targets.map((t) => `${t.target} conn/s (µs CPU, main thread)`);
  const others = summary.targets.slice(1).map((t) => `${t.target} ÷ ${summary.baseline}`);
  const lines = [
    `medians of ${rounds} round(s)`,
    '',
    `| phase | ${[...head, ...others].join(' | ')} |`,
    `| --- | ${[...head, ...others].map(() => '---').join(' | ')} |`,
  ];
  const phases = summary.targets[0]?.phases.map((p) => p.phase) ?? [];
  for (const [i, phase] of phases.entries()) {
    const cells = summary.targets.map((t) => {
      const p = t.phases[i];
      if (!p) return '-';
      const failures = p.roundsWithFailures > 0 ? `, failures in ${p.roundsWithFailures} round(s)` : '';
      return `${p.perSecond ?? '-'} (${p.cpuUsPerConnect ?? '-'}, ${p.mainThreadUsPerConnect ?? '-'}${failures})`;
    });
    const ratios = summary.ratios
      .filter((r) => r.phase === phase)
      .map((r) => (r.ratio === null ? '-' : r.ratio.toFixed(2)));
    lines.push(`| ${phase} | ${[...cells, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server's CPU falls below 5 % over 250 ms twice in a row (disconnects handled), bounded. */
async function settled(pid: number, boundMs = 30_000): Promise<void> {
  const until = performance.now() + boundMs;
  let quiet = 0;
  let last = procCpuSeconds(pid);
  while (quiet < 2 && performance.now() < until) {
    await sleep(250);
    const now = procCpuSeconds(pid);
    quiet = now !== null && last !== null && now - last < 0.0125 ? quiet + 1 : 0;
    last = now;
  }
}

async function measure(
  pid: number,
  phase: string,
  connect: () => Promise<{ ok: number; failed: number }>,
): Promise<PhaseSample> {
  const cpu0 = procCpuSeconds(pid);
  const main0 = procMainThreadCpuSeconds(pid);
  const t0 = performance.now();
  const c = await connect();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = procCpuSeconds(pid);
  const main = procMainThreadCpuSeconds(pid);
  const per = (a: number | null, b: number | null) =>
    a === null || b === null || c.ok === 0 ? null : Math.round(((b - a) * 1e6) / c.ok);
  return {
    phase,
    added: c.ok,
    failed: c.failed,
    perSecond: Math.round(c.ok / seconds),
    cpuUsPerConnect: per(cpu0, cpu),
    mainThreadUsPerConnect: per(main0, main),
  };
}

async function startConnectTarget(
  target: ConnectTarget,
  options: ConnectStormOptions,
  cpu: number | undefined,
): Promise<RunningTarget> {
  if (target !== 'gateway-bundle')
    return startTarget(target, cpu, undefined, undefined, cpu === undefined ? undefined : cpu + 1);
  // As the benchmark's `gateway` target runs, but from the given bundle.
  const gateway = await startGatewayProcess({
    jwtSecret: BENCH_JWT_SECRET,
    cpu,
    entry: options.gatewayBundle,
    env: { LOG_LEVEL: 'info' },
  });
  return { name: 'gateway', process: gateway, protocol: 'socketio', auth: true, redis: undefined };
}

/** One round of one target: a fresh server, the cold steps, then the storms. */
async function runRound(
  target: ConnectTarget,
  options: ConnectStormOptions,
  binary: string,
  tokens: readonly string[],
  cpu: number | undefined,
): Promise<PhaseSample[]> {
  const max = options.steps.at(-1) ?? 0;
  const server = await startConnectTarget(target, options, cpu);
  const phases: PhaseSample[] = [];
  let driver: NativeLoadDriver | undefined;
  try {
    driver = await NativeLoadDriver.start(
      binary,
      {
        url: server.process.url,
        protocol: server.protocol,
        serverPid: server.process.pid,
        symbols: BENCH_SYMBOLS,
        clientTokens: server.auth ? tokens : undefined,
        publisherToken: undefined,
        maxClients: max,
        concurrency: options.concurrency,
        connectTimeoutMs: 30_000,
      },
      cpu === undefined ? undefined : cpu + 1,
    );
    const d = driver;
    const pid = server.process.pid;
    await settled(pid);
    let from = 0;
    for (const to of options.steps) {
      const start = from;
      phases.push(await measure(pid, `connect ${to}`, () => d.connect(start, to, 300_000)));
      from = to;
      await settled(pid);
    }
    for (let k = 1; k <= options.storms; k++) {
      await d.closeClients(0, max);
      await settled(pid);
      phases.push(await measure(pid, `storm ${k}`, () => d.connect(0, max, 300_000)));
      await settled(pid);
    }
    return phases;
  } finally {
    await driver?.close();
    await server.process.stop(5000);
    await server.redis?.stop();
  }
}

export interface ConnectStormRun {
  date: string;
  machine: { cpu: string; cpus: number; node: string; pinned: boolean; loadAverage: { start: number; end: number } };
  options: ConnectStormOptions;
  rounds: ConnectStormRound[];
  summary: ConnectStormSummary;
}

/** Every round of every target, alternating; needs the native load generator (bench/native). */
export async function runConnectStorm(
  options: ConnectStormOptions,
  log: (line: string) => void,
): Promise<ConnectStormRun> {
  const built = buildNativeLoadGenerator();
  if ('error' in built) throw new Error(`the connect benchmark needs bench/native's load generator: ${built.error}`);
  const pinned = options.pin && pinSelfToCpu1();
  const loadStart = loadavg()[0] ?? 0;
  const max = options.steps.at(-1) ?? 0;
  // One distinct JWT per client, as in the main benchmark: no verified-token cache can help.
  const tokens: string[] = [];
  for (let i = 0; i < max; i++)
    tokens.push(await mintToken(BENCH_JWT_SECRET, { userId: `bench-${i}`, role: 'user', ttlSec: 6 * 3600 }));
  const rounds: ConnectStormRound[] = [];
  for (let round = 1; round <= options.rounds; round++)
    for (const target of options.targets) {
      const phases = await runRound(target, options, built.path, tokens, pinned ? 0 : undefined);
      rounds.push({ round, target, phases });
      const text = phases.map(
        (p) => `${p.phase}: ${p.perSecond}/s ${p.cpuUsPerConnect ?? '-'} µs${p.failed ? ` (${p.failed} failed)` : ''}`,
      );
      log(`round ${round} ${target}: ${text.join(', ')}`);
    }
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      node: process.version,
      pinned,
      loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    },
    options,
    rounds,
    summary: summarizeConnectStorm(options.targets, rounds),
  };
}
