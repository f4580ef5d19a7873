import { readFileSync } from 'node:fs';
import { defaultServerOptions } from '@ws/server';
import { resolveServerOptions } from '@ws/server/internal';
import { describe, expect, it } from 'vitest';
import {
  readmePath,
  renderConfigTable,
  TABLE_END,
  TABLE_START,
  tableIn,
} from '../../../../scripts/generate-config-table.js';
import { ConfigError, loadConfig, missingHostOrPort } from '../../src/config.js';
import { CONFIG_VARIABLES, type ConfigVariable } from '../../src/config-variables.js';
import { findUnknownVariables } from '../../src/unknown-variables.js';

const rowsOf = (table: string) => table.split('\n').filter((l) => l.startsWith('| `'));

describe("README.md's configuration table", () => {
  it('is the table CONFIG_VARIABLES defines', () => {
    const readme = readFileSync(readmePath, 'utf8');
    const onDisk = tableIn(readme);
    expect(onDisk, `README.md must keep the markers\n${TABLE_START}\n${TABLE_END}\naround the table`).not.toBeNull();
    const expected = renderConfigTable();
    const wrong = rowsOf(onDisk ?? '').filter((row) => !rowsOf(expected).includes(row));
    const missing = rowsOf(expected).filter((row) => !rowsOf(onDisk ?? '').includes(row));
    expect(
      onDisk === expected,
      [
        "README.md's configuration table is out of step with apps/gateway/src/config-variables.ts.",
        'Do not edit the table by hand: add or change the variable in CONFIG_VARIABLES',
        '(apps/gateway/src/config-variables.ts), then run `pnpm docs:config` and commit README.md with it.',
        ...(wrong.length ? ['Rows in README.md that CONFIG_VARIABLES does not produce:', ...wrong] : []),
        ...(missing.length ? ['Rows CONFIG_VARIABLES produces that README.md lacks:', ...missing] : []),
        ...(!wrong.length && !missing.length ? ['The rows are the same but their order differs.'] : []),
      ].join('\n'),
    ).toBe(true);
  });

  it('lists only variables loadConfig reads (or a library does), and loadConfig reads nothing else', () => {
    const read = new Set<string>();
    const recording = new Proxy({} as Record<string, string | undefined>, {
      get: (_, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(recording);
    const listed = Object.entries(CONFIG_VARIABLES as Record<string, ConfigVariable>);
    expect(listed.filter(([name, v]) => v.readBy === undefined && !read.has(name)).map(([name]) => name)).toEqual([]);
    expect([...read].filter((name) => !(name in CONFIG_VARIABLES))).toEqual([]);
  });
});

describe('defaults are defined once', () => {
  it("the gateway's defaults are the server's", () => {
    const config = loadConfig({});
    const server = resolveServerOptions();
    expect(config.pingIntervalMs).toBe(server.pingIntervalMs);
    expect(config.pingTimeoutMs).toBe(server.pingTimeoutMs);
    expect(config.maxHttpBufferSize).toBe(server.maxHttpBufferSize);
    expect(config.adminStatsIntervalMs).toBe(server.admin.statsIntervalMs);
    expect(config.shutdownDeadlineMs).toBe(server.shutdown.deadlineMs);
    expect(config.recoveryWindowMs).toBe(server.recovery.windowMs);
    expect(config.overloadTurnBudgetMs).toBe(server.overloadTurnBudgetMs);
    expect(config.overloadLoopUtilizationPct / 100).toBe(server.overloadMinLoopUtilization);
    expect(config.limits).toEqual(defaultServerOptions.limits);
    expect(config.alerts).toEqual(server.admin.alerts);
    const { maxPerIp, maxPerUser } = server.connectionCaps;
    expect(config.connectionCaps).toEqual({ maxPerIp, maxPerUser });
    const { rateLimit } = defaultServerOptions;
    expect(config.rateLimit).toEqual({
      points: Object.fromEntries(Object.entries(rateLimit.namespaces).map(([ns, l]) => [ns, l.points])),
      durationSec: rateLimit.namespaces['/prices'].durationSec,
      blockDurationSec: rateLimit.blockDurationSec,
      handshakePoints: rateLimit.handshake.points,
      handshakeDurationSec: rateLimit.handshake.durationSec,
    });
  });
});

describe('unknown variables', () => {
  it('names each unknown WS_*/REDIS_* variable with the closest known one', () => {
    expect(
      findUnknownVariables({
        WS_RATE_LIMT_POINTS: '5',
        REDIS_ULR: 'redis://x:1',
        WS_PORT: '1',
        WS_URL: 'http://localhost:3000',
        PATH: '/bin',
        WSX: '1',
      }),
    ).toEqual([
      { variable: 'REDIS_ULR', closest: 'REDIS_URL' },
      { variable: 'WS_RATE_LIMT_POINTS', closest: 'WS_RATE_LIMIT_POINTS' },
    ]);
  });
});

describe('REDIS_URL with an empty host or port', () => {
  const issues = (url: string) => {
    try {
      loadConfig({ REDIS_URL: url });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
  };

  it.each([
    'redis://127.0.0.1:',
    'redis://:secret@127.0.0.1:/0',
    'rediss://',
    'redis://:6379',
    'redis://user:pw@:6379',
  ])('refuses %s naming REDIS_URL', (url) => {
    expect(issues(url)).toEqual([{ variable: 'REDIS_URL', message: expect.stringMatching(/empty (host|port)/) }]);
  });

  it.each([
    'redis://127.0.0.1:6379',
    'redis://redis',
    'rediss://user:p%3Aw@cache.example.com:6380/2',
    'redis://[::1]:6379',
  ])('accepts %s', (url) => {
    expect(issues(url)).toEqual([]);
    expect(missingHostOrPort(url)).toBeNull();
  });
});

describe('Redis Cluster and Sentinel configuration', () => {
  const issues = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.issues.map((i) => i.variable);
      throw err;
    }
  };

  it('reads cluster nodes, sentinels and credentials', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, [::1]:7001', REDIS_PASSWORD: 'pw' }).redis).toEqual({
      target: {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '::1', port: 7001 },
        ],
      },
      password: 'pw',
      tls: false,
    });
    expect(
      loadConfig({
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'main',
        REDIS_USERNAME: 'gw',
        REDIS_TLS: '1',
      }).redis,
    ).toEqual({
      target: {
        kind: 'sentinel',
        name: 'main',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      },
      username: 'gw',
      tls: true,
    });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redis).toEqual({
      target: { kind: 'url', url: 'rediss://cache:6380' },
      tls: true,
    });
    expect(loadConfig({}).redis).toBeNull();
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: ':7000' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_SENTINELS: 's1:26379' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_SENTINEL_NAME: 'main' }, 'REDIS_SENTINEL_NAME'],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }, 'REDIS_URL'],
  ])('refuses %o naming %s', (env, variable) => {
    expect(issues(env)).toEqual([variable]);
  });
});
