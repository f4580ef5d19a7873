import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AuthMiddleware } from '../../src/admission/auth-middleware.js';
import { RateLimitMiddleware } from '../../src/admission/rate-limit-middleware.js';
import { RefusalLog } from '../../src/admission/refusal-log.js';
import { silentLogger } from '../../src/logger.js';
import { WebSocketServer } from '../../src/websocket-server.js';
import { resolveServerOptions, type WebSocketServerInit } from '../../src/websocket-server-options.js';
import { WsConfigError } from '../../src/ws-config-error.js';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const pem = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) =>
  key.export({ type: 'spki', format: 'pem' }).toString();
const RSA_PEM = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
const SECP256K1_PEM = pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);

/** The option a configuration error names; fails the test when `build` throws anything else or nothing. */
function optionOf(build: () => unknown): string {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(WsConfigError);
    const { option, message } = err as WsConfigError;
    expect(message.startsWith(`${option} `)).toBe(true);
    return option;
  }
  throw new Error('expected a WsConfigError');
}

const serverCases: [string, WebSocketServerInit][] = [
  ['symbols', { symbols: ['btc-usdt'] }],
  ['corsOrigins', { corsOrigins: 'https://app.example.com' as unknown as string[] }],
  ['limits.maxSymbolsPerConnection', { limits: { maxSymbolsPerConnection: 0 } }],
  ['limits.maxRoomsPerConnection', { limits: { maxRoomsPerConnection: 1.5 } }],
  ['limits.maxChannelsPerUser', { limits: { maxChannelsPerUser: -1 } }],
  ['maxHttpBufferSize', { maxHttpBufferSize: -1 }],
  ['pingIntervalMs', { pingIntervalMs: 0 }],
  ['pingTimeoutMs', { pingTimeoutMs: 0 }],
  ['admin.statsIntervalMs', { admin: { statsIntervalMs: 0 } }],
  ['shutdown.deadlineMs', { shutdown: { deadlineMs: 0 } }],
  ['shutdown.reconnectJitterMs', { shutdown: { reconnectJitterMs: -5 } }],
  ['recovery.windowMs', { recovery: { windowMs: 0 } }],
  ['recovery.maxEvents', { recovery: { maxEvents: 0 } }],
  ['clusterConfirmTimeoutMs', { clusterConfirmTimeoutMs: 0 }],
  ['clusterPublishTimeoutMs', { clusterPublishTimeoutMs: 0 }],
  ['clusterBusLingerMs', { clusterBusLingerMs: -1 }],
  ['clusterBusLingerMs', { clusterBusLingerMs: 2.5 }],
  ['slowConsumer.softBytes', { slowConsumer: { softBytes: 0 } }],
  ['slowConsumer.hardBytes', { slowConsumer: { hardBytes: 0 } }],
  ['slowConsumer.checkIntervalMs', { slowConsumer: { checkIntervalMs: 0 } }],
  ['slowConsumer.maxOverSoftMs', { slowConsumer: { maxOverSoftMs: 0 } }],
  ['overloadTurnBudgetMs', { overloadTurnBudgetMs: -1 }],
  ['overloadMinLoopUtilization', { overloadMinLoopUtilization: 1.5 }],
  ['connectionCaps.maxPerIp', { connectionCaps: { maxPerIp: -1 } }],
  ['connectionCaps.maxPerUser', { connectionCaps: { maxPerUser: 0.5 } }],
  ['connectionCaps.ttlMs', { connectionCaps: { ttlMs: 10 } }],
];

describe('option errors name the option', () => {
  it.each(serverCases)('resolveServerOptions: %s', (option, init) => {
    expect(optionOf(() => resolveServerOptions(init))).toBe(option);
  });

  it.each([
    ['auth', {}],
    ['auth.secret', { secret: 'short' }],
    ['auth.publicKey', { publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }],
    ['auth.publicKey', { publicKey: SECP256K1_PEM }],
    ['auth.jwksUrl', { jwksUrl: 'keys.example.com/jwks.json' }],
    ['auth.jwksUrl', { publicKey: RSA_PEM, jwksUrl: 'https://keys.example.com/jwks.json' }],
    ['auth.algorithms', { secret: SECRET, algorithms: [] }],
    ['auth.algorithms', { secret: SECRET, algorithms: ['none'] }],
    ['auth.algorithms', { secret: SECRET, algorithms: ['RS256'] }],
    // HS256 with only a public key would be the RS/HS key confusion.
    ['auth.algorithms', { publicKey: RSA_PEM, algorithms: ['HS256'] }],
    ['auth.algorithms', { publicKey: RSA_PEM, algorithms: ['ES256'] }],
  ])('AuthMiddleware: %s (%o)', (option, auth) => {
    expect(optionOf(() => new AuthMiddleware(auth))).toBe(option);
  });

  it.each([
    ['rateLimit.blockDurationSec', { blockDurationSec: -1 }],
    ['rateLimit.floodDisconnectAfter', { floodDisconnectAfter: 0 }],
    ["rateLimit.namespaces['/user'].points", { namespaces: { '/user': { points: 1.5, durationSec: 1 } } }],
    ["rateLimit.namespaces['/prices'].durationSec", { namespaces: { '/prices': { points: 5, durationSec: 0 } } }],
    ['rateLimit.handshake.points', { handshake: { points: 0, durationSec: 10 } }],
    ['rateLimit.handshake.durationSec', { handshake: { points: 10, durationSec: Number.NaN } }],
  ])('RateLimitMiddleware: %s', (option, rateLimit) => {
    const options = rateLimit as ConstructorParameters<typeof RateLimitMiddleware>[0];
    expect(optionOf(() => new RateLimitMiddleware(options))).toBe(option);
  });

  it.each([
    ['refusalLog.burst', { burst: 0 }],
    ['refusalLog.perSecond', { perSecond: Number.POSITIVE_INFINITY }],
    ['refusalLog.summaryAfterMs', { summaryAfterMs: 0 }],
  ])('RefusalLog: %s', (option, refusalLog) => {
    expect(optionOf(() => new RefusalLog(silentLogger, refusalLog))).toBe(option);
  });

  it('WebSocketServer.initialize rejects with the same path, before attaching to the HTTP server', async () => {
    const httpServer = createServer();
    for (const [option, init] of [
      ['rateLimit.blockDurationSec', { rateLimit: { blockDurationSec: -1 } }],
      ['pingIntervalMs', { pingIntervalMs: 0 }],
    ] as [string, WebSocketServerInit][]) {
      const server = new WebSocketServer(init);
      await expect(server.initialize(httpServer)).rejects.toMatchObject({ name: 'WsConfigError', option });
      expect(server.initialized).toBe(false);
    }
    expect(httpServer.listeners('request')).toHaveLength(0);
  });
});
