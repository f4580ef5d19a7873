import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../../src/gateway/gateway-process.js';
import type { ServerProcess } from '../../src/gateway/server-process.js';
import type { StressReport } from '../../src/run/stress-report.js';

const SECRET = 'smoke-test-secret-0123456789abcdef0123';
const stressDir = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the real CLI as a subprocess; bounded so a hang fails the test instead of stalling it. */
function runCli(args: string[], timeoutMs = 50_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@ws/source', '--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: stressDir,
      env: { ...process.env, NUM_CLIENTS: '', TEST_DURATION: '' },
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
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('ws:stress end to end', () => {
  let gateway: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ws-stress-smoke-'));
    gateway = await startGatewayProcess({ jwtSecret: SECRET });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a few SDK clients on every stream namespace and writes a well-formed report', async () => {
    const json = join(dir, 'report.json');
    const { code, stdout, stderr } = await runCli([
      '--url',
      gateway.url,
      '--clients',
      '4',
      '--ramp-up',
      '1',
      '--duration',
      '3',
      '--namespaces',
      'prices,market,user',
      '--publish-rate',
      '40',
      '--token-secret',
      SECRET,
      '--max-error-rate',
      '0.5',
      '--json',
      json,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('latency ms');
    expect(stderr).toMatch(/connected \d+\/4/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as StressReport;
    expect(report).toMatchObject({
      tool: '@ws/stress',
      reportVersion: 1,
      outcome: 'completed',
      config: { clients: 4, mode: 'sdk', namespaces: ['/prices', '/market', '/user'] },
      connections: { target: 4, connected: 4, failed: 0 },
      thresholds: { passed: true, violations: [] },
    });
    expect(report.messages.total).toBeGreaterThan(0);
    for (const ns of ['/prices', '/market', '/user']) expect(report.messages.byNamespace[ns]?.total).toBeGreaterThan(0);
    expect(report.latencyMs.count).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p99);
    expect(report.latencyMs.p99).toBeLessThanOrEqual(report.latencyMs.max);
    expect(report.connections.timeMs.count).toBe(4);
    expect(report.seqGaps).toEqual({ events: 0, missed: 0 });
    expect(report.publisher).toMatchObject({ targetRate: 40, failed: 0 });
    expect(report.publisher?.accepted).toBeGreaterThan(0);
    expect(report.gateway?.samples).toBeGreaterThan(0);
    expect(report.gateway?.rssBytes?.max).toBeGreaterThan(0);
  }, 60_000);

  it('exits 2 with the violation in the report when a threshold is broken (lean clients)', async () => {
    const json = join(dir, 'breach.json');
    const { code, stdout } = await runCli([
      '--url',
      gateway.url,
      '--clients',
      '3',
      '--duration',
      '2',
      '--lean',
      '--publish-rate',
      '30',
      '--token-secret',
      SECRET,
      '--max-p99',
      '0',
      '--json',
      json,
    ]);
    expect(code).toBe(2);
    expect(stdout).toContain('FAILED: maxP99Ms');
    const report = JSON.parse(readFileSync(json, 'utf8')) as StressReport;
    expect(report.config.mode).toBe('lean');
    expect(report.messages.total).toBeGreaterThan(0);
    expect(report.thresholds.passed).toBe(false);
    expect(report.thresholds.violations).toEqual([{ threshold: 'maxP99Ms', limit: 0, actual: report.latencyMs.p99 }]);
  }, 60_000);

  it('refuses a target that is not loopback, with usage and exit code 64', async () => {
    const { code, stderr } = await runCli(['--url', 'http://192.0.2.10:3000', '--clients', '1', '--duration', '1']);
    expect(code).toBe(64);
    expect(stderr).toContain('loopback');
  }, 60_000);
});

describe('ws:stress against a target that refuses connections', () => {
  let gateway: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ws-stress-refused-'));
    // Three handshakes per IP an hour: the other clients of the run are refused RATE_LIMITED.
    gateway = await startGatewayProcess({
      jwtSecret: SECRET,
      env: { WS_HANDSHAKE_RATE_LIMIT_POINTS: '3', WS_HANDSHAKE_RATE_LIMIT_DURATION: '3600' },
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the run by default, says why and what to change, and counts each refusal once (SDK mode)', async () => {
    const json = join(dir, 'refused.json');
    const { code, stdout } = await runCli([
      '--url',
      gateway.url,
      '--clients',
      '6',
      '--duration',
      '1',
      '--timeout',
      '5000',
      '--metrics-url',
      'none',
      '--json',
      json,
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as StressReport;
    expect(report.connections.failed).toBeGreaterThanOrEqual(1);
    expect(code).toBe(2);
    expect(report.thresholds.violations).toContainEqual({
      threshold: 'maxRefusedConnections',
      limit: 0,
      actual: report.connections.failed,
    });
    // One refusal, one error: not also the SDK's `error` event.
    expect(report.errors.total).toBe(report.connections.failed);
    expect(stdout).toMatch(
      /refused\s+\d+ RATE_LIMITED: the handshake rate limit: raise WS_HANDSHAKE_RATE_LIMIT_POINTS/,
    );
  }, 120_000);
});
