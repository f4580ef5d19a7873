import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchDocument } from '../../src/bench/bench-report.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('pnpm test:ws:performance harness', () => {
  const out = mkdtempSync(join(tmpdir(), 'ws-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  // A miniature run (10 clients, tiny rates, generous limits): checks the harness works end to end
  // against all five targets (the Redis pair each on a redis-server it spawns) and writes a well-formed
  // result; the numbers themselves mean nothing here.
  it('runs every target, writes the result file and prints the ratios', async () => {
    const child = spawn(process.execPath, ['--conditions=@ws/source', '--import', 'tsx', 'bench/run.ts'], {
      cwd: root,
      env: {
        ...process.env,
        // The price workload: the only one the Redis pair runs (the market workload has its own tests).
        BENCH_WORKLOAD: 'price',
        BENCH_STEPS: '10',
        BENCH_DURATION: '1',
        BENCH_START_RATE: '50',
        BENCH_MAX_RATE: '50',
        BENCH_BISECTIONS: '0',
        BENCH_HALF_LOAD_TRIALS: '2',
        BENCH_MAX_P99_MS: '10000',
        BENCH_MIN_DELIVERED: '0.5',
        BENCH_PIN: '0',
        BENCH_OUT: out,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 290_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('gw/sio');
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(out, files[0] ?? ''), 'utf8')) as BenchDocument;
    expect(doc).toMatchObject({ benchmark: 'ws-fanout', reportVersion: 1, config: { steps: [10], symbols: 10 } });
    expect(doc.targets.map((t) => t.target)).toEqual([
      'baseline-socketio',
      'baseline-ws',
      'gateway',
      'baseline-socketio-redis',
      'gateway-redis',
    ]);
    for (const t of doc.targets) {
      expect(t.error).toBeUndefined();
      expect(t.steps).toHaveLength(1);
      const [step] = t.steps;
      expect(step?.connect).toMatchObject({ added: 10, failed: 0 });
      expect(step?.maxDeliveredPerSec).toBeGreaterThan(0);
      expect(step?.halfLoad?.deliveredPerSec).toBeGreaterThan(0);
      expect(step?.halfLoadTrials).toHaveLength(2);
      expect(step?.overload?.offeredPerSec).toBeGreaterThan(0);
      expect(step?.overloadHigh?.offeredPerSec).toBeGreaterThan(0);
      expect(step?.idleRssBytes).toBeGreaterThan(0);
    }
    // The gateway targets ran trials at their Socket.IO baseline's half-load rate too; the baselines did not.
    const stepOf = (target: string) => doc.targets.find((t) => t.target === target)?.steps[0];
    for (const [gateway, baseline] of [
      ['gateway', 'baseline-socketio'],
      ['gateway-redis', 'baseline-socketio-redis'],
    ] as const) {
      expect(stepOf(gateway)?.atBaselineHalfLoadTrials).toHaveLength(2);
      expect(stepOf(gateway)?.atBaselineHalfLoad?.offeredPerSec).toBe(stepOf(baseline)?.halfLoad?.offeredPerSec);
      expect(stepOf(baseline)?.atBaselineHalfLoad).toBeUndefined();
    }
    expect(doc.ratios[0]?.p99AtSocketioHalfLoad).toBeGreaterThan(0);
    expect(doc.goals.find((g) => g.goal === "p99 at socket.io's half-load rate vs socket.io")?.ratio).toBeGreaterThan(
      0,
    );
    expect(doc.ratios).toHaveLength(1);
    expect(doc.ratios[0]?.maxDelivered.vsSocketio).toBeGreaterThan(0);
    expect(doc.ratios[0]?.redis?.maxDelivered).toBeGreaterThan(0);
    expect(stdout).toContain('Ratios with Redis');
    const redisGoal = doc.goals.find((g) => g.goal.startsWith('Redis:'));
    expect(redisGoal?.met).toBeTypeOf('boolean');
    expect(doc.goals.length).toBeGreaterThan(0);
  }, 300_000);
});
