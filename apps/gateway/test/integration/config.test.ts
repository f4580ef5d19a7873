import { startRedis, TEST_SECRET } from '@ws/test-support';
import { runGatewayToExit, startGatewayProcess } from '@ws/test-support/gateway';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SYMBOLS, loadConfig } from '../../src/index.js';

function issuesOf(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('has the seed defaults and runs without Redis or JWT settings in development', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.pingIntervalMs).toBe(25_000);
    expect(config.pingTimeoutMs).toBe(20_000);
    expect(config.redisUrl).toBeNull();
    expect(config.redisPrefix).toBe('ws:');
    expect(config.limits).toEqual({ maxSymbolsPerConnection: 100, maxChannelsPerUser: 50, maxRoomsPerConnection: 20 });
    expect(config.recoveryWindowMs).toBe(120_000);
    expect(config.overloadTurnBudgetMs).toBe(10);
    expect(config.overloadLoopUtilizationPct).toBe(90);
    expect(config.clusterBusLingerMs).toBe(30_000);
    expect(config.symbols).toEqual([...DEFAULT_SYMBOLS]);
    expect(config.symbols.length).toBeGreaterThanOrEqual(8);
    expect(config.demo.enabled).toBe(true);
    expect(config.needsDevSecret).toBe(true);
  });

  it('treats an empty REDIS_URL as no Redis and parses every documented variable', () => {
    const config = loadConfig({
      REDIS_URL: '',
      WS_PORT: '4000',
      WS_CORS_ORIGIN: 'https://app.example.com, http://localhost:5173',
      WS_RATE_LIMIT_POINTS: '10',
      WS_RATE_LIMIT_DURATION: '2',
      WS_RATE_LIMIT_BLOCK: '5',
      WS_MAX_SYMBOLS_PER_CONNECTION: '7',
      WS_MAX_CHANNELS_PER_USER: '9',
      WS_JWT_SECRET: 'x'.repeat(32),
      WS_JWT_ISSUER: 'auth.example.com',
      WS_JWT_AUDIENCE: 'ws,api',
      WS_SYMBOLS: 'BTC/USDT,ETH/USDT,BTC/USDT',
      WS_DEMO_FEED: '0',
      LOG_LEVEL: 'warn',
      WS_RECOVERY_WINDOW: '30',
      WS_OVERLOAD_TURN_BUDGET_MS: '0',
      WS_OVERLOAD_LOOP_UTILIZATION_PCT: '0',
      WS_CLUSTER_BUS_LINGER_MS: '0',
    });
    expect(config.clusterBusLingerMs).toBe(0);
    expect(config.recoveryWindowMs).toBe(30_000);
    expect(config.overloadTurnBudgetMs).toBe(0);
    expect(config.overloadLoopUtilizationPct).toBe(0);
    expect(config.redisUrl).toBeNull();
    expect(config.port).toBe(4000);
    expect(config.corsOrigin).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.rateLimit).toMatchObject({
      points: { '/prices': 10, '/market': 10, '/user': 5, '/admin': 20 },
      durationSec: 2,
      blockDurationSec: 5,
    });
    expect(config.limits.maxSymbolsPerConnection).toBe(7);
    expect(config.limits.maxChannelsPerUser).toBe(9);
    expect(config.jwt).toEqual({ secret: 'x'.repeat(32), issuer: 'auth.example.com', audience: ['ws', 'api'] });
    expect(config.needsDevSecret).toBe(false);
    expect(config.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(config.demo.enabled).toBe(false);
    expect(config.logLevel).toBe('warn');
  });

  it('WS_RATE_LIMIT_POINTS keeps the seed table’s proportions; WS_RATE_LIMIT_POINTS_<NS> set one namespace', () => {
    const base = { WS_JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig(base).rateLimit.points).toEqual({ '/prices': 100, '/market': 100, '/user': 50, '/admin': 200 });
    // The seed's env example: the seed's table, not 100 everywhere.
    expect(loadConfig({ ...base, WS_RATE_LIMIT_POINTS: '100' }).rateLimit.points).toEqual({
      '/prices': 100,
      '/market': 100,
      '/user': 50,
      '/admin': 200,
    });
    expect(loadConfig({ ...base, WS_RATE_LIMIT_POINTS: '1' }).rateLimit.points).toEqual({
      '/prices': 1,
      '/market': 1,
      '/user': 1,
      '/admin': 2,
    });
    expect(
      loadConfig({
        ...base,
        WS_RATE_LIMIT_POINTS: '40',
        WS_RATE_LIMIT_POINTS_USER: '7',
        WS_RATE_LIMIT_POINTS_ADMIN: '1000',
      }).rateLimit.points,
    ).toEqual({ '/prices': 40, '/market': 40, '/user': 7, '/admin': 1000 });
    expect(loadConfig({ ...base, WS_RATE_LIMIT_POINTS_MARKET: '3' }).rateLimit.points).toMatchObject({
      '/prices': 100,
      '/market': 3,
    });
    expect(issuesOf({ ...base, WS_RATE_LIMIT_POINTS_PRICES: '0' })).toEqual([
      expect.objectContaining({ variable: 'WS_RATE_LIMIT_POINTS_PRICES' }),
    ]);
  });

  it('names every bad variable at once', () => {
    const issues = issuesOf({
      WS_PORT: '70000',
      WS_PING_INTERVAL: 'soon',
      WS_CORS_ORIGIN: 'not a url',
      REDIS_URL: 'http://redis:6379',
      WS_SYMBOLS: 'btc-usdt',
      WS_DEMO_FEED: 'maybe',
      LOG_LEVEL: 'loud',
      WS_JWT_SECRET: 'short',
      WS_OVERLOAD_TURN_BUDGET_MS: '-1',
      WS_OVERLOAD_LOOP_UTILIZATION_PCT: '101',
      WS_CLUSTER_BUS_LINGER_MS: '-5',
    });
    expect(issues.map((i) => i.variable).sort()).toEqual(
      [
        'LOG_LEVEL',
        'REDIS_URL',
        'WS_CLUSTER_BUS_LINGER_MS',
        'WS_CORS_ORIGIN',
        'WS_DEMO_FEED',
        'WS_JWT_SECRET',
        'WS_OVERLOAD_LOOP_UTILIZATION_PCT',
        'WS_OVERLOAD_TURN_BUDGET_MS',
        'WS_PING_INTERVAL',
        'WS_PORT',
        'WS_SYMBOLS',
      ].sort(),
    );
  });

  it('refuses production without real JWT configuration and turns the demo off there', () => {
    expect(issuesOf({ NODE_ENV: 'production' }).map((i) => i.variable)).toEqual(['WS_JWT_SECRET']);
    const config = loadConfig({ NODE_ENV: 'production', WS_JWT_SECRET: 'y'.repeat(40) });
    expect(config.demo.enabled).toBe(false);
    expect(config.needsDevSecret).toBe(false);
  });

  it('accepts one key source only', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----';
    expect(issuesOf({ WS_JWT_SECRET: 'z'.repeat(32), WS_JWT_PUBLIC_KEY: pem }).map((i) => i.variable)).toEqual([
      'WS_JWT_SECRET',
    ]);
    expect(loadConfig({ WS_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }).jwt.publicKey).toBe(pem);
  });
});

describe('the gateway process refuses a bad configuration', () => {
  it.each([
    ['WS_PORT', { WS_PORT: 'eighty' }],
    ['WS_CORS_ORIGIN', { WS_CORS_ORIGIN: 'ftp://example.com' }],
    ['WS_CLUSTER_BUS_LINGER_MS', { WS_CLUSTER_BUS_LINGER_MS: '30s' }],
    // An empty port would silently mean 6379: a Redis the gateway was never pointed at.
    ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:' }],
    ['WS_JWT_SECRET', { NODE_ENV: 'production' }],
    // Passes the PEM shape check but is no key: refused when the server's AuthMiddleware imports it.
    ['WS_JWT_PUBLIC_KEY', { WS_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----' }],
    // A secret with an algorithm list that needs a key: the server names `auth.algorithms`, not the secret.
    ['WS_JWT_ALGORITHMS', { WS_JWT_SECRET: TEST_SECRET, WS_JWT_ALGORITHMS: 'RS256' }],
  ])('exits 1 naming %s', async (variable, env) => {
    const { code, stderr, logs } = await runGatewayToExit(env);
    expect(code).toBe(1);
    expect(stderr).toContain(`${variable}:`);
    expect(logs.some((l) => l.msg === 'listening')).toBe(false);
  });

  it('exits 1 naming REDIS_URL and the Redis version when Redis has no SPUBLISH (older than 7.0)', async () => {
    // SPUBLISH renamed away on a real redis-server: what a Redis 6 looks like to the check (COMMAND INFO).
    await using redis = await startRedis({ args: ['--rename-command', 'SPUBLISH', ''] });
    const { code, stderr, logs } = await runGatewayToExit({
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      REDIS_URL: redis.url,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`REDIS_URL: .*needs Redis >= 7\\.0 .*SPUBLISH.*127\\.0\\.0\\.1:${redis.port} runs Redis \\d+\\.`),
    );
    expect(logs.some((l) => l.msg === 'listening')).toBe(false);
  });

  it('exits 1 naming WS_PORT when the port is taken', async () => {
    const first = await startGatewayProcess({ WS_JWT_SECRET: TEST_SECRET, WS_DEMO_FEED: '0' });
    try {
      const { code, stderr } = await runGatewayToExit({
        WS_JWT_SECRET: TEST_SECRET,
        WS_DEMO_FEED: '0',
        WS_PORT: String(first.port),
      });
      expect(code).toBe(1);
      expect(stderr).toContain(`WS_PORT: port ${first.port} is already in use`);
    } finally {
      await first.kill();
    }
  });

  it('starts with an unknown WS_* variable but warns naming the closest known one', async () => {
    const gateway = await startGatewayProcess({
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      WS_RATE_LIMT_POINTS: '5',
    });
    try {
      expect(gateway.logs).toContainEqual(
        expect.objectContaining({ level: 40, variable: 'WS_RATE_LIMT_POINTS', closest: 'WS_RATE_LIMIT_POINTS' }),
      );
    } finally {
      await gateway.kill();
    }
  });
});
