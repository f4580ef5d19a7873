import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/websocket-server.js';
import { defaultSubscriptionLimits, resolveServerOptions } from '../../src/websocket-server-options.js';
import { WsConfigError } from '../../src/ws-config-error.js';

describe('resolveServerOptions', () => {
  it('applies the defaults', () => {
    const o = resolveServerOptions();
    expect(o.limits).toEqual(defaultSubscriptionLimits);
    expect(o.limits).toEqual({ maxSymbolsPerConnection: 100, maxRoomsPerConnection: 20, maxChannelsPerUser: 50 });
    expect(o).toMatchObject({
      maxHttpBufferSize: 65_536,
      corsOrigins: [],
      allowUnknownSymbols: false,
      admin: { statsIntervalMs: 5_000 },
      shutdown: { deadlineMs: 10_000 },
      maintenance: { enabled: false },
    });
  });

  it('merges partial nested options', () => {
    const o = resolveServerOptions({ limits: { maxRoomsPerConnection: 5 }, admin: { alerts: { connections: 3 } } });
    expect(o.limits.maxRoomsPerConnection).toBe(5);
    expect(o.limits.maxSymbolsPerConnection).toBe(100);
    expect(o.admin.alerts.connections).toBe(3);
    expect(o.admin.alerts.eventLoopLagMs).toBe(200);
  });

  it('rejects invalid symbols and non-positive numbers', () => {
    expect(() => resolveServerOptions({ symbols: ['btc-usdt'] })).toThrow(WsConfigError);
    expect(() => resolveServerOptions({ limits: { maxChannelsPerUser: 0 } })).toThrow(/maxChannelsPerUser/);
    expect(() => resolveServerOptions({ maxHttpBufferSize: -1 })).toThrow(/maxHttpBufferSize/);
    expect(() => resolveServerOptions({ shutdown: { reconnectJitterMs: -5 } })).toThrow(/reconnectJitterMs/);
    expect(() => resolveServerOptions({ overloadMinLoopUtilization: 1.5 })).toThrow(/overloadMinLoopUtilization/);
    expect(resolveServerOptions({}).overloadMinLoopUtilization).toBe(0.9);
  });
});

describe('WebSocketServer.initialize', () => {
  it('fails on bad auth options before attaching to the HTTP server', async () => {
    const httpServer = createServer();
    const server = new WebSocketServer({ auth: { secret: 'too-short' } });
    await expect(server.initialize(httpServer)).rejects.toMatchObject({ name: 'WsConfigError', option: 'auth.secret' });
    expect(httpServer.listeners('request')).toHaveLength(0);
    expect(server.initialized).toBe(false);
  });
});
