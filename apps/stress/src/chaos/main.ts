// `pnpm test:ws:chaos:real`: the chaos run on real processes and sockets, with recovery and then the
// no-recovery baseline, printed as one table (see packages/server/README.md#chaos-run). Opt-in like the
// benchmark: it takes a few minutes. Settings from the environment (CHAOS_*), validated.
import { writeFileSync } from 'node:fs';
import { formatDetails, formatTable, violations } from './chaos-report.js';
import { type ChaosRunOptions, FAULTS, type FaultName, runChaos } from './chaos-run.js';

function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function faults(): FaultName[] {
  const raw = process.env.CHAOS_FAULTS;
  if (!raw) return [...FAULTS];
  const list = raw.split(',').map((s) => s.trim());
  const bad = list.filter((f) => !(FAULTS as readonly string[]).includes(f));
  if (bad.length > 0) throw new Error(`CHAOS_FAULTS: unknown ${bad.join(', ')}; known: ${FAULTS.join(', ')}`);
  return list as FaultName[];
}

export async function main(): Promise<number> {
  const pingIntervalMs = int('CHAOS_PING_INTERVAL', 1_000, 1_000, 60_000);
  const pingTimeoutMs = int('CHAOS_PING_TIMEOUT', 2_000, 500, 60_000);
  const options: Omit<ChaosRunOptions, 'mode'> = {
    clients: int('CHAOS_CLIENTS', 210, 3, 2_000),
    nodes: int('CHAOS_NODES', 3, 1, 8),
    lanes: int('CHAOS_LANES', 12, 3, 200),
    faults: faults(),
    holdMs: int('CHAOS_HOLD_MS', 10_000, 1_000, 120_000),
    blackholeMs: int('CHAOS_BLACKHOLE_MS', 2_000, 500, 20_000),
    halfOpenMs: int('CHAOS_HALF_OPEN_MS', 12_000, 0, 20_000),
    latency: { minMs: int('CHAOS_LATENCY_MIN_MS', 50, 0, 5_000), maxMs: int('CHAOS_LATENCY_MAX_MS', 500, 0, 5_000) },
    bandwidthBytesPerSecond: int('CHAOS_BANDWIDTH', 2_048, 64, 10_000_000),
    pingIntervalMs,
    pingTimeoutMs,
    privatePerSecond: int('CHAOS_PRIVATE_RATE', 100, 1, 5_000),
    publicPerSecond: int('CHAOS_PUBLIC_RATE', 10, 1, 500),
    settleTimeoutMs: int('CHAOS_SETTLE_MS', 120_000, 5_000, 600_000),
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
  };
  const criteria = {
    detectionAllowanceMs: int('CHAOS_DETECTION_ALLOWANCE_MS', 1_000, 0, 60_000),
    maxRssGrowthMb: int('CHAOS_MAX_RSS_GROWTH_MB', 64, 1, 4_096),
  };
  const recovery = await runChaos({ ...options, mode: 'recovery' });
  const baseline = process.env.CHAOS_BASELINE === '0' ? undefined : await runChaos({ ...options, mode: 'baseline' });
  process.stdout.write(`\n${formatTable(recovery, baseline)}\n\n${formatDetails(recovery)}\n`);
  if (baseline) process.stdout.write(`\n${formatDetails(baseline)}\n`);
  const failed = violations(recovery, criteria);
  const file = process.env.CHAOS_RESULT_FILE;
  if (file) writeFileSync(file, `${JSON.stringify({ options, criteria, recovery, baseline }, null, 2)}\n`);
  if (failed.length > 0) {
    process.stdout.write(`\nFAILED:\n${failed.map((v) => `- ${v}`).join('\n')}\n`);
    return 1;
  }
  process.stdout.write('\nPASSED: every criterion held with recovery.\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
