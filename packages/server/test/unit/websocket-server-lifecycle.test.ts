import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/websocket-server.js';
import { WsError } from '../../src/ws-error.js';

const servers: Server[] = [];

async function listening(): Promise<Server> {
  const http = createServer();
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  expect((http.address() as AddressInfo).port).toBeGreaterThan(0);
  return http;
}

afterEach(async () => {
  for (const http of servers.splice(0)) {
    if (http.listening) await new Promise((resolve) => http.close(resolve));
  }
});

/** The error a call throws, for asserting on its class and message. */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('WebSocketServer lifecycle', () => {
  it('is created, running, then closed', async () => {
    const server = new WebSocketServer({ rateLimit: false });
    expect(server.state).toBe('created');
    const initializing = server.initialize(await listening());
    expect(server.state).toBe('initializing');
    await initializing;
    expect(server.state).toBe('running');
    const closing = server.close();
    expect(server.state).toBe('closing');
    await closing;
    expect(server.state).toBe('closed');
  });

  it('using the API before initialize() is a plain Error that says so, not a wire error', async () => {
    const server = new WebSocketServer();
    for (const call of [
      () => server.io,
      () => server.broadcast,
      () => server.getMetrics(),
      () => server.setMaintenance(true),
    ]) {
      const err = thrown(call);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(WsError);
      expect((err as Error).message).toMatch(/call initialize\(\) before using the server \(the server is created\)/);
    }
    expect(() => server.disconnect({ userId: 'u1' })).toThrow(/initialize\(\)/);
    expect(server.initialized).toBe(false);
    expect(server.maintenance).toEqual({ enabled: false });
  });

  it('initializing twice, or after close(), throws a plain Error', async () => {
    const server = new WebSocketServer({ rateLimit: false });
    await server.initialize(await listening());
    const twice = await server.initialize(await listening()).catch((err: unknown) => err);
    expect(twice).toBeInstanceOf(Error);
    expect(twice).not.toBeInstanceOf(WsError);
    expect((twice as Error).message).toMatch(/already called \(the server is running\)/);
    await server.close();
    await expect(server.initialize(await listening())).rejects.toThrow(/already called \(the server is closed\)/);

    const neverUsed = new WebSocketServer();
    await neverUsed.close();
    expect(neverUsed.state).toBe('closed');
    await expect(neverUsed.initialize(await listening())).rejects.toThrow(/the server is closed/);
  });

  it('stays created after a bad option, attaching nothing, and can then be initialized', async () => {
    const http = await listening();
    const server = new WebSocketServer({ auth: { secret: 'too-short' } });
    await expect(server.initialize(http)).rejects.toThrow(/secret/);
    expect(server.state).toBe('created');
    expect(http.listeners('request')).toHaveLength(0);
    await server.initialize(http, { auth: { secret: 'a-secret-long-enough-for-hs256-0123456789' }, rateLimit: false });
    expect(server.state).toBe('running');
    expect(server.io.of('/prices').name).toBe('/prices');
    await server.close();
  });
});
