import { AuthMiddleware, RateLimitMiddleware, WsConfigError } from '@ws/server';
import { resolveServerOptions } from '@ws/server/internal';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CONFIG_VARIABLES, type ConfigVariable } from '../../src/config-variables.js';
import { asConfigError, VARIABLE_OF_OPTION } from '../../src/server-option-error.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

/** What the server throws for `build`, as the gateway reports it. */
function reported(build: () => unknown, env: Record<string, string> = { WS_JWT_SECRET: SECRET }): unknown {
  try {
    build();
  } catch (err) {
    return asConfigError(err, loadConfig(env));
  }
  throw new Error('expected the server to refuse');
}

const variableOf = (err: unknown) => (err instanceof ConfigError ? err.issues.map((i) => i.variable) : err);

describe('a server option error names the variable that set the option', () => {
  it.each([
    ['WS_MAX_CHANNELS_PER_USER', () => resolveServerOptions({ limits: { maxChannelsPerUser: 0 } })],
    ['WS_PING_INTERVAL', () => resolveServerOptions({ pingIntervalMs: 0 })],
    ['WS_OVERLOAD_LOOP_UTILIZATION_PCT', () => resolveServerOptions({ overloadMinLoopUtilization: 2 })],
    ['WS_MAX_CONNECTIONS_PER_IP', () => resolveServerOptions({ connectionCaps: { maxPerIp: -1 } })],
    ['WS_SLOW_CONSUMER_TIMEOUT_MS', () => resolveServerOptions({ slowConsumer: { maxOverSoftMs: 0 } })],
    ['WS_HANDSHAKE_RATE_LIMIT_POINTS', () => new RateLimitMiddleware({ handshake: { points: 0, durationSec: 1 } })],
    ['WS_RATE_LIMIT_BLOCK', () => new RateLimitMiddleware({ blockDurationSec: -1 })],
    ['WS_JWT_SECRET', () => new AuthMiddleware({ secret: 'short' })],
    ['WS_JWT_ALGORITHMS', () => new AuthMiddleware({ secret: SECRET, algorithms: ['RS256'] })],
  ])('%s', (variable, build) => {
    expect(variableOf(reported(build))).toEqual([variable]);
  });

  it('the secret of a development gateway is its secret file', () => {
    expect(variableOf(reported(() => new AuthMiddleware({ secret: 'short' }), {}))).toEqual(['WS_DEV_SECRET_FILE']);
  });

  it('leaves an option no variable sets, and any other error, as it is', () => {
    const unset = new WsConfigError('refusalLog.burst', 'must be an integer >= 1');
    expect(asConfigError(unset, loadConfig({}))).toBe(unset);
    const bug = new TypeError('not configuration');
    expect(asConfigError(bug, loadConfig({}))).toBe(bug);
  });

  it('names one variable per option', () => {
    const listed = Object.values(CONFIG_VARIABLES as Record<string, ConfigVariable>).flatMap((v) => v.options ?? []);
    expect(listed.length).toBe(VARIABLE_OF_OPTION.size);
  });
});
