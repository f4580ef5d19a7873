import { describe, expect, it } from 'vitest';
import {
  type ConnectStormRound,
  formatConnectStorm,
  type PhaseSample,
  readConnectStormOptions,
  runConnectStorm,
  summarizeConnectStorm,
} from '../../src/bench/connect-storm.js';
import { builtGatewayEntry } from '../../src/gateway/gateway-build.js';

const sample = (phase: string, perSecond: number, cpu: number | null, failed = 0): PhaseSample => ({
  phase,
  added: 1000,
  failed,
  perSecond,
  cpuUsPerConnect: cpu,
  mainThreadUsPerConnect: cpu === null ? null : cpu / 2,
});

describe('readConnectStormOptions', () => {
  it('defaults to Socket.IO against the gateway, five rounds, the main benchmark’s steps and two storms', () => {
    expect(readConnectStormOptions({})).toEqual({
      targets: ['baseline-socketio', 'gateway'],
      rounds: 5,
      steps: [1000, 5000, 10000],
      storms: 2,
      concurrency: 200,
      pin: true,
    });
  });

  it('names the variable it refuses', () => {
    expect(() => readConnectStormOptions({ CONNECT_TARGETS: 'gateway,nginx' })).toThrow(/CONNECT_TARGETS.*nginx/);
    expect(() => readConnectStormOptions({ CONNECT_STEPS: '5000,1000' })).toThrow(/CONNECT_STEPS/);
    expect(() => readConnectStormOptions({ CONNECT_STEPS: '100,abc' })).toThrow(/CONNECT_STEPS/);
    expect(() => readConnectStormOptions({ CONNECT_ROUNDS: '0' })).toThrow(/CONNECT_ROUNDS/);
    expect(() => readConnectStormOptions({ CONNECT_TARGETS: 'gateway-bundle,gateway' })).toThrow(
      /CONNECT_GATEWAY_BUNDLE must name a built gateway .* got nothing/,
    );
    expect(() =>
      readConnectStormOptions({ CONNECT_TARGETS: 'gateway-bundle', CONNECT_GATEWAY_BUNDLE: '/nonexistent/main.js' }),
    ).toThrow(/got \/nonexistent\/main\.js/);
  });
});

describe('summarizeConnectStorm', () => {
  const rounds: ConnectStormRound[] = [
    {
      round: 1,
      target: 'baseline-socketio',
      phases: [sample('connect 1000', 2000, 500), sample('storm 1', 6000, 150)],
    },
    { round: 1, target: 'gateway', phases: [sample('connect 1000', 1000, 900), sample('storm 1', 4800, 210)] },
    {
      round: 2,
      target: 'baseline-socketio',
      phases: [sample('connect 1000', 1800, 560), sample('storm 1', 7000, 140)],
    },
    { round: 2, target: 'gateway', phases: [sample('connect 1000', 1300, 800), sample('storm 1', 4200, 230, 3)] },
    {
      round: 3,
      target: 'baseline-socketio',
      phases: [sample('connect 1000', 1900, null), sample('storm 1', 6500, 145)],
    },
    { round: 3, target: 'gateway', phases: [sample('connect 1000', 1100, 850), sample('storm 1', 5200, 200)] },
  ];

  it('takes the median of each phase over the rounds and divides by the first target’s', () => {
    const s = summarizeConnectStorm(['baseline-socketio', 'gateway'], rounds);
    expect(s.baseline).toBe('baseline-socketio');
    expect(s.targets[0]?.phases).toEqual([
      {
        phase: 'connect 1000',
        perSecond: 1900,
        cpuUsPerConnect: 530,
        mainThreadUsPerConnect: 265,
        roundsWithFailures: 0,
      },
      { phase: 'storm 1', perSecond: 6500, cpuUsPerConnect: 145, mainThreadUsPerConnect: 73, roundsWithFailures: 0 },
    ]);
    expect(s.targets[1]?.phases[1]).toMatchObject({ perSecond: 4800, cpuUsPerConnect: 210, roundsWithFailures: 1 });
    expect(s.ratios).toEqual([
      { target: 'gateway', phase: 'connect 1000', ratio: 0.58 },
      { target: 'gateway', phase: 'storm 1', ratio: 0.74 },
    ]);
  });

  it('writes one table row per phase, with failures named', () => {
    const table = formatConnectStorm(summarizeConnectStorm(['baseline-socketio', 'gateway'], rounds), 3);
    const rows = table.split('\n').filter((l) => l.startsWith('| '));
    expect(rows[0]).toContain('gateway ÷ baseline-socketio');
    expect(rows[2]).toBe('| connect 1000 | 1900 (530, 265) | 1100 (850, 425) | 0.58 |');
    expect(rows[3]).toBe('| storm 1 | 6500 (145, 73) | 4800 (210, 105, failures in 1 round(s)) | 0.74 |');
  });
});

describe('runConnectStorm (real servers, native load generator)', () => {
  it('connects every client in each cold step and again in each storm, against both targets', async () => {
    const options = {
      ...readConnectStormOptions({}),
      rounds: 1,
      steps: [20, 60],
      storms: 2,
      concurrency: 10,
      pin: false,
    };
    const lines: string[] = [];
    const run = await runConnectStorm(options, (l) => lines.push(l));
    expect(run.rounds.map((r) => r.target)).toEqual(['baseline-socketio', 'gateway']);
    for (const r of run.rounds) {
      expect(r.phases.map((p) => [p.phase, p.added, p.failed])).toEqual([
        ['connect 20', 20, 0],
        ['connect 60', 40, 0],
        // A storm reconnects every client the previous phase had: the close reached them all.
        ['storm 1', 60, 0],
        ['storm 2', 60, 0],
      ]);
      for (const p of r.phases) expect(p.perSecond).toBeGreaterThan(0);
    }
    expect(run.summary.ratios).toHaveLength(4);
    expect(lines).toHaveLength(2);
  }, 120_000);

  it('runs a given gateway bundle as the target gateway-bundle, for an A/B of two revisions', async () => {
    const entry = await builtGatewayEntry();
    const options = readConnectStormOptions({
      CONNECT_TARGETS: 'gateway-bundle,gateway',
      CONNECT_GATEWAY_BUNDLE: entry,
      CONNECT_ROUNDS: '1',
      CONNECT_STEPS: '20',
      CONNECT_STORMS: '1',
      CONNECT_CONCURRENCY: '10',
      BENCH_PIN: '0',
    });
    expect(options.gatewayBundle).toBe(entry);
    const run = await runConnectStorm(options, () => undefined);
    expect(run.rounds.map((r) => [r.target, r.phases.map((p) => [p.added, p.failed])])).toEqual([
      [
        'gateway-bundle',
        [
          [20, 0],
          [20, 0],
        ],
      ],
      [
        'gateway',
        [
          [20, 0],
          [20, 0],
        ],
      ],
    ]);
    expect(run.summary.baseline).toBe('gateway-bundle');
  }, 180_000);
});
