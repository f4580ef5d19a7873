import type { SystemMessage } from '@ws/protocol';
import { connected, ManualClock, nextEvent, refused, request, TEST_SECRET } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

describe('auth through WebSocketServer', () => {
  it('public namespaces: no token is anonymous, a bad token is refused, a good one identifies the user', async () => {
    ts = await startServer();
    expect((await refused(ts.connect('/prices', { token: 'garbage' }))).data?.code).toBe('UNAUTHORIZED');
    const wrong = await ts.token({ userId: 'u1' }, { secret: 'another-secret-with-at-least-32-bytes!!' });
    expect((await refused(ts.connect('/market', { token: wrong }))).data?.code).toBe('UNAUTHORIZED');
    const c = ts.connect('/prices', { token: await ts.token({ userId: 'u1' }) });
    const greeting = nextEvent(c, 'connection.authenticated');
    await connected(c);
    expect(await greeting).toMatchObject({ userId: 'u1', role: 'user' });
    expect(ts.server.connections.info(c.id!)).toMatchObject({ userId: 'u1', role: 'user', ip: '127.0.0.1' });
  });

  it('token expiry while connected: system.message then disconnect, unless auth.refresh came first', async () => {
    // Token time moves only with the clock, so no expiry races the connects.
    const clock = new ManualClock();
    ts = await startServer({ clock, auth: { secret: TEST_SECRET, clockToleranceSec: 0, expiryNoticeMs: 0 } });
    const token = (userId: string, expiresInSec: number) => ts.token({ userId }, { now: clock.now(), expiresInSec });
    const short = ts.connect('/user', { token: token('u1', 2) });
    await connected(short);
    const notice = nextEvent<SystemMessage>(short, 'system.message');
    const gone = new Promise<string>((resolve) => short.once('disconnect', resolve));
    clock.advance(2_000);
    expect(await notice).toMatchObject({ type: 'critical' });
    expect(await gone).toBe('io server disconnect');

    const refreshed = ts.connect('/user', { token: token('u2', 2) });
    await connected(refreshed);
    const other = await request(refreshed, 'auth.refresh', { token: token('someone-else', 3600) });
    expect(other).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const ack = await request<{ ok: true; expiresAt: number }>(refreshed, 'auth.refresh', { token: token('u2', 3600) });
    expect(ack.ok).toBe(true);
    expect(ack.expiresAt).toBeGreaterThan(clock.now() + 60_000);
    // Past the first token's expiry the socket is still served.
    clock.advance(2_500);
    expect(await request(refreshed, 'ping', {})).toMatchObject({ ok: true });
    expect(await request(refreshed, 'auth.refresh', { token: 42 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
  });
});
