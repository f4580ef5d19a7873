import { Writable } from 'node:stream';
import { closeAll, connect, request, signToken } from '@ws/test-support';
import { testConfig } from '@ws/test-support/gateway';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/index.js';
import { parseExposition, sum } from './helpers/prometheus.js';

type Line = Record<string, unknown> & { msg: string };

/** A real pino logger whose JSON lines are parsed into `lines`. */
function capturingLogger(lines: Line[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return pino({ level: 'info', base: { nodeId: 'refusals' } }, stream);
}

function refusal(url: string, namespace: string, options: Record<string, unknown> = {}): Promise<string> {
  const socket = io(`${url}${namespace}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error(`connected to ${namespace}`));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

describe('refusals are logged (sampled) and counted', () => {
  let gateway: Gateway | undefined;
  const sockets: Socket[] = [];

  afterEach(async () => {
    closeAll(sockets.splice(0));
    await gateway?.stop();
    gateway = undefined;
  });

  it('every kind of refusal: one line with code, IP, namespace and user, and ws_connection_refusals_total', async () => {
    const lines: Line[] = [];
    gateway = createGateway(
      testConfig({
        LOG_LEVEL: 'info',
        WS_CORS_ORIGIN: 'https://app.example.com',
        WS_MAX_CONNECTIONS_PER_USER: '1',
        WS_RATE_LIMIT_POINTS: '2',
        // WS_RATE_LIMIT_POINTS gives /user half the public figure: keep 2 there too, as this test counts on.
        WS_RATE_LIMIT_POINTS_USER: '2',
        WS_RATE_LIMIT_DURATION: '60',
        WS_HANDSHAKE_RATE_LIMIT_POINTS: '5',
        WS_HANDSHAKE_RATE_LIMIT_DURATION: '60',
      }),
      { logger: capturingLogger(lines) },
    );
    await gateway.start();
    const { url } = gateway;
    const alice = signToken({ userId: 'alice' });

    // Origin: refused at the request, before any namespace.
    const foreign = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    // Namespace, auth, handshake junk.
    expect(await refusal(url, '/')).toBe('NOT_FOUND');
    expect(await refusal(url, '/user', { auth: { token: 'garbage' } })).toBe('UNAUTHORIZED');
    expect(await refusal(url, '/prices', { auth: { junk: 1 } })).toBe('INVALID_PAYLOAD');
    // The per-user cap.
    const first = await connect(url, '/user', alice);
    sockets.push(first);
    expect(await refusal(url, '/prices', { auth: { token: alice } })).toBe('LIMIT_EXCEEDED');
    // The event rate limit.
    for (let i = 0; i < 2; i++) await request(first, 'ping', {});
    expect(await request(first, 'ping', {})).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    // The handshake limit (five handshakes so far; the refused origin was not charged): the sixth connection.
    expect(await refusal(url, '/market')).toBe('RATE_LIMITED');

    const refused = lines.filter((l) => l.msg === 'connection refused' || l.msg === 'request refused');
    const by = (code: string) => refused.find((l) => l['code'] === code);
    const ip = expect.stringContaining('127.0.0.1');
    expect(by('FORBIDDEN')).toMatchObject({ namespace: null, ip, userId: null, origin: 'https://evil.example' });
    expect(by('NOT_FOUND')).toMatchObject({ namespace: '/', ip, userId: null });
    expect(by('UNAUTHORIZED')).toMatchObject({ namespace: '/user', ip, userId: null });
    expect(by('INVALID_PAYLOAD')).toMatchObject({ namespace: '/prices', ip, userId: null });
    expect(by('LIMIT_EXCEEDED')).toMatchObject({ namespace: '/prices', ip, userId: 'alice' });
    expect(by('RATE_LIMITED')).toMatchObject({
      msg: 'request refused',
      namespace: '/user',
      ip,
      userId: 'alice',
      event: 'ping',
    });
    expect(refused.filter((l) => l['code'] === 'RATE_LIMITED').at(-1)).toMatchObject({
      msg: 'connection refused',
      namespace: null,
      ip,
    });
    for (const line of refused) expect(line['level']).toBe(40);

    const metrics = parseExposition(await (await fetch(`${url}/metrics`)).text());
    const refusals = (labels: Record<string, string>) => sum(metrics, 'ws_connection_refusals_total', labels);
    expect(refusals({ namespace: 'none', code: 'FORBIDDEN' })).toBe(1);
    expect(refusals({ namespace: 'none', code: 'RATE_LIMITED' })).toBe(1);
    expect(refusals({ namespace: 'other', code: 'NOT_FOUND' })).toBe(1);
    expect(refusals({ namespace: '/user', code: 'UNAUTHORIZED' })).toBe(1);
    expect(refusals({ namespace: '/prices', code: 'INVALID_PAYLOAD' })).toBe(1);
    expect(refusals({ namespace: '/prices', code: 'LIMIT_EXCEEDED' })).toBe(1);
    expect(sum(metrics, 'ws_rate_limited_total', { namespace: '/user' })).toBe(1);
  });

  it('a flood of refusals writes a bounded number of lines and says how many it suppressed', async () => {
    const lines: Line[] = [];
    gateway = createGateway(testConfig({ LOG_LEVEL: 'info' }), { logger: capturingLogger(lines) });
    await gateway.start();
    const attempts = 60;
    for (let i = 0; i < attempts; i++) {
      const res = await fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'null' } });
      expect(res.status).toBe(403);
    }
    gateway.server.refusals.flush();
    const forbidden = lines.filter((l) => l['code'] === 'FORBIDDEN');
    const written = forbidden.filter((l) => l.msg === 'connection refused');
    // The default budget: a burst of 20 lines, then one a second.
    expect(written.length).toBeGreaterThanOrEqual(20);
    expect(written.length).toBeLessThan(attempts);
    const suppressed = forbidden.reduce((n, l) => n + (typeof l['suppressed'] === 'number' ? l['suppressed'] : 0), 0);
    expect(written.length + suppressed).toBe(attempts);
    const metrics = parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
    expect(sum(metrics, 'ws_connection_refusals_total', { namespace: 'none', code: 'FORBIDDEN' })).toBe(attempts);
  });
});
