import {
  type AdminAlert,
  type AdminStats,
  type ConnectionInfo,
  compile,
  type MetricsSnapshot,
  MetricsSnapshot as MetricsSnapshotSchema,
  type SystemMessage,
} from '@ws/protocol';
import { connected, nextEvent, record, refused, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';

let ts: TestServer;
afterEach(async () => {
  await ts?.close();
});

async function adminClient(ts: TestServer) {
  const client = ts.connect('/admin', { token: await ts.token({ userId: 'root', role: 'admin' }) });
  await connected(client);
  return client;
}

describe('/admin', () => {
  it('admin.metrics answers the metrics snapshot', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const ack = await request<{ ok: true; metrics: { connections: { current: number } } }>(admin, 'admin.metrics', {});
    expect(ack.ok).toBe(true);
    expect(ack.metrics.connections.current).toBeGreaterThanOrEqual(1);
    // Payload-less form: `emit(event, ack)`.
    expect(await request(admin, 'admin.metrics')).toMatchObject({ ok: true });
  });

  it('admin.metrics also answers with the admin.metrics event carrying the detailed metrics, after the ack', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const seen = record(admin, ['admin.metrics']);
    const event = nextEvent<MetricsSnapshot>(admin, 'admin.metrics');
    // Fire-and-forget (no ack) still gets the event.
    (admin as unknown as { emit(event: string, payload: object): void }).emit('admin.metrics', {});
    const metrics = await event;
    expect(metrics).toMatchObject({ connections: { current: 1 }, latency: { p50: expect.any(Number) } });
    expect(compile(MetricsSnapshotSchema).validate(metrics).ok).toBe(true);
    const ack = await request<{ ok: true; metrics: MetricsSnapshot }>(admin, 'admin.metrics', {});
    expect(ack.ok).toBe(true);
    await expect.poll(() => seen.length).toBe(2);
  });

  it('connections.list filters and reports rooms and traffic; connections.disconnect by socket and by user', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const bobToken = await ts.token({ userId: 'bob' });
    const bobPrices = ts.connect('/prices', { token: bobToken });
    const bobUser = ts.connect('/user', { token: bobToken });
    const anon = ts.connect('/prices');
    await Promise.all([connected(bobPrices), connected(bobUser), connected(anon)]);
    await request(bobPrices, 'subscribe', { symbols: ['BTC/USDT'] });
    await ts.server.broadcastPriceUpdate('BTC/USDT', { price: 1, bid: 1, ask: 1, volume: 1 });
    await nextEvent(bobPrices, 'price.update');

    const list = await request<{ ok: true; result: { connections: ConnectionInfo[]; total: number } }>(
      admin,
      'admin.command',
      {
        command: 'connections.list',
        args: { userId: 'bob' },
      },
    );
    expect(list.result.total).toBe(2);
    const prices = list.result.connections.find((c) => c.namespace === '/prices')!;
    expect(prices).toMatchObject({ userId: 'bob', role: 'user', socketId: bobPrices.id });
    expect(prices.rooms).toContain('prices:BTC/USDT');
    expect(prices.messagesIn).toBeGreaterThanOrEqual(1);
    expect(prices.messagesOut).toBeGreaterThanOrEqual(3); // greeting, ack, confirmed, update
    expect(prices.bytesOut).toBeGreaterThan(0);

    const byNs = await request<{ result: { total: number } }>(admin, 'admin.command', {
      command: 'connections.list',
      args: { namespace: '/prices', limit: 1 },
    });
    expect(byNs.result.total).toBe(2);

    const anonGone = new Promise((resolve) => anon.once('disconnect', resolve));
    expect(
      await request(admin, 'admin.command', { command: 'connections.disconnect', args: { socketId: anon.id } }),
    ).toEqual({ ok: true, command: 'connections.disconnect', result: { disconnected: 1 } });
    await anonGone;

    const bobGone = Promise.all([
      new Promise((r) => bobPrices.once('disconnect', r)),
      new Promise((r) => bobUser.once('disconnect', r)),
    ]);
    expect(
      await request(admin, 'admin.command', { command: 'connections.disconnect', args: { userId: 'bob' } }),
    ).toMatchObject({ ok: true, result: { disconnected: 2 } });
    await bobGone;
    expect(admin.connected).toBe(true);
  });

  it('validates commands: unknown → NOT_FOUND, bad args → INVALID_PAYLOAD', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    expect(await request(admin, 'admin.command', { command: 'rm -rf' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await request(admin, 'admin.command', { command: '__proto__' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await request(admin, 'admin.command', { command: 'connections.disconnect', args: {} })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
    expect(
      await request(admin, 'admin.command', { command: 'connections.list', args: { limit: 'all' } }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
  });

  it('subscriptions.stats reports rooms, subscriptions and top symbols', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const a = ts.connect('/prices');
    const m = ts.connect('/market');
    await Promise.all([connected(a), connected(m)]);
    await request(a, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT'] });
    await request(m, 'subscribe', { channels: ['depth', 'ticker'], symbols: ['BTC/USDT'] });
    const ack = await request<{ result: { stats: Record<string, unknown> } }>(admin, 'admin.command', {
      command: 'subscriptions.stats',
    });
    expect(ack.result.stats).toMatchObject({
      rooms: 4,
      subscriptions: 4,
      byNamespace: { '/prices': 2, '/market': 2 },
      topSymbols: [
        { symbol: 'BTC/USDT', subscribers: 3 },
        { symbol: 'ETH/USDT', subscribers: 1 },
      ],
    });
  });

  it('node.status reports maintenance, rate-limit rejections and the guards of the node that answers', async () => {
    ts = await startServer({
      nodeId: 'node-a',
      rateLimit: {
        namespaces: {
          '/prices': { points: 1, durationSec: 60 },
          '/market': { points: 100, durationSec: 1 },
          '/user': { points: 50, durationSec: 1 },
          '/admin': { points: 200, durationSec: 1 },
        },
        blockDurationSec: 0,
      },
    });
    const admin = await adminClient(ts);
    type Status = { result: { status: Record<string, unknown> } };
    const status = async () =>
      (await request<Status>(admin, 'admin.command', { command: 'node.status', args: {} })).result.status;
    const before = await status();
    expect(before).toMatchObject({
      nodeId: 'node-a',
      maintenance: { enabled: false },
      rateLimitRejections: 0,
      slowConsumers: 0,
    });
    expect(before.eventLoopLagMs).toBeTypeOf('number');
    expect(before.uptimeSec).toBeGreaterThanOrEqual(0);

    const c = ts.connect('/prices');
    await connected(c);
    expect(await request(c, 'ping', {})).toMatchObject({ ok: true });
    expect(await request(c, 'ping', {})).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    await request(admin, 'admin.command', { command: 'maintenance.enable', args: { message: 'upgrade' } });
    expect(await status()).toMatchObject({
      maintenance: { enabled: true, message: 'upgrade' },
      rateLimitRejections: 1,
    });
  });

  it('admin.broadcast sends system.message to every namespace', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const prices = ts.connect('/prices');
    const market = ts.connect('/market');
    const user = ts.connect('/user', { token: await ts.token({ userId: 'u1' }) });
    await Promise.all([connected(prices), connected(market), connected(user)]);
    const got = [prices, market, user, admin].map((c) => nextEvent<SystemMessage>(c, 'system.message'));
    expect(await request(admin, 'admin.broadcast', { type: 'warning', message: 'degraded' })).toEqual({
      ok: true,
      delivered: true,
    });
    for (const msg of await Promise.all(got)) expect(msg).toMatchObject({ type: 'warning', message: 'degraded' });
    expect(await request(admin, 'admin.broadcast', { type: 'nonsense', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PAYLOAD' },
    });
  });

  it('sends admin.stats periodically and an edge-triggered admin.alert when a threshold is crossed', async () => {
    ts = await startServer({ admin: { statsIntervalMs: 50, alerts: { connections: 1 } } });
    const admin = await adminClient(ts);
    const stats = await nextEvent<AdminStats>(admin, 'admin.stats');
    expect(stats).toMatchObject({ nodeId: ts.server.options.nodeId, maintenance: { enabled: false } });
    const alerts: AdminAlert[] = [];
    admin.on('admin.alert', (a) => alerts.push(a));
    const extra = ts.connect('/prices');
    await connected(extra);
    await expect.poll(() => alerts.length, { timeout: 10_000 }).toBe(1);
    expect(alerts[0]).toMatchObject({ level: 'warning', metric: 'connections', value: 2, threshold: 1 });
    // Several more ticks while still above the threshold: no repeated alert.
    let ticks = 0;
    admin.on('admin.stats', () => ticks++);
    await expect.poll(() => ticks, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(alerts).toHaveLength(1);
    extra.disconnect();
    await expect.poll(() => alerts.length, { timeout: 10_000 }).toBe(2);
    expect(alerts[1]).toMatchObject({ level: 'info', metric: 'connections' });
  });

  it('nodes.list answers every node (here one) with its connections; alerts.list keeps the active and past alerts', async () => {
    ts = await startServer({ nodeId: 'node-a', admin: { statsIntervalMs: 50, alerts: { connections: 1 } } });
    const admin = await adminClient(ts);
    type Nodes = { result: { nodes: { nodeId: string; connections?: number }[] } };
    const nodes = await request<Nodes>(admin, 'admin.command', { command: 'nodes.list' });
    expect(nodes.result.nodes).toEqual([expect.objectContaining({ nodeId: 'node-a', connections: 1 })]);

    type Alerts = { result: { active: AdminAlert[]; history: AdminAlert[] } };
    const alerts = async () => (await request<Alerts>(admin, 'admin.command', { command: 'alerts.list' })).result;
    expect(await alerts()).toEqual({ active: [], history: [] });
    const extra = ts.connect('/prices');
    await connected(extra);
    await expect.poll(async () => (await alerts()).active.length, { timeout: 10_000 }).toBe(1);
    const firing = await alerts();
    expect(firing.active[0]).toMatchObject({ level: 'warning', metric: 'connections', nodeId: 'node-a', value: 2 });
    expect(firing.history).toEqual(firing.active);
    extra.disconnect();
    await expect.poll(async () => (await alerts()).active.length, { timeout: 10_000 }).toBe(0);
    expect((await alerts()).history.map((a) => `${a.level}:${a.metric}`)).toEqual([
      'warning:connections',
      'info:connections',
    ]);
  });

  it('admin.stats carries errors and refusals by code, conflated broadcasts and slow consumers', async () => {
    ts = await startServer({ admin: { statsIntervalMs: 50 } });
    const admin = await adminClient(ts);
    const user = await ts.token({ userId: 'eve' });
    expect((await refused(ts.connect('/admin', { token: user }))).data?.code).toBe('FORBIDDEN');
    const c = ts.connect('/prices');
    await connected(c);
    expect(await request(c, 'subscribe', { symbols: 'BTC/USDT' })).toMatchObject({ ok: false });
    await expect
      .poll(async () => (await nextEvent<AdminStats>(admin, 'admin.stats')).errorsByCode?.['INVALID_PAYLOAD'], {
        timeout: 10_000,
      })
      .toBe(1);
    const stats = await nextEvent<AdminStats>(admin, 'admin.stats');
    expect(stats.refusalsByCode).toMatchObject({ FORBIDDEN: 1 });
    expect(stats.conflated).toBe(0);
    expect(stats.slowConsumers).toBe(0);
  });

  it('greets an admin with admin.stats on connect, without waiting for the next tick', async () => {
    ts = await startServer({ nodeId: 'node-g', admin: { statsIntervalMs: 3_600_000 } });
    const admin = ts.connect('/admin', { token: await ts.token({ userId: 'root', role: 'admin' }) });
    const first = nextEvent<AdminStats>(admin, 'admin.stats');
    await connected(admin);
    expect(await first).toMatchObject({ nodeId: 'node-g', alerts: [], metrics: { connections: { current: 1 } } });
  });

  it('an admin who connects after an alert fired still learns of it: admin.stats and node.status carry the active alerts', async () => {
    ts = await startServer({ nodeId: 'node-z', admin: { statsIntervalMs: 50, alerts: { connections: 1 } } });
    const token = await ts.token({ userId: 'root', role: 'admin' });
    const clients = [ts.connect('/prices'), ts.connect('/prices')];
    await Promise.all(clients.map(connected));
    // No admin is connected while the alert fires; each probe is a fresh admin that missed its admin.alert.
    const greeting = async () => {
      const admin = ts.connect('/admin', { token });
      const first = nextEvent<AdminStats>(admin, 'admin.stats');
      await connected(admin);
      const stats = await first;
      admin.disconnect();
      return stats.alerts;
    };
    await expect
      .poll(greeting, { timeout: 20_000, interval: 100 })
      .toEqual([expect.objectContaining({ level: 'warning', metric: 'connections', threshold: 1, nodeId: 'node-z' })]);
    const admin = await adminClient(ts);
    const status = await request<{ result: { status: { alerts: AdminAlert[] } } }>(admin, 'admin.command', {
      command: 'node.status',
      args: {},
    });
    expect(status.result.status.alerts).toEqual([expect.objectContaining({ metric: 'connections', level: 'warning' })]);
    // Back below the threshold: the alert is no longer active.
    for (const c of clients) c.disconnect();
    await expect
      .poll(async () => (await nextEvent<AdminStats>(admin, 'admin.stats')).alerts, { timeout: 20_000 })
      .toEqual([]);
  });

  it('refuses a user token and anonymous clients', async () => {
    ts = await startServer();
    expect((await refused(ts.connect('/admin'))).data?.code).toBe('UNAUTHORIZED');
    const user = ts.connect('/admin', { token: await ts.token({ userId: 'u', role: 'user' }) });
    expect((await refused(user)).data?.code).toBe('FORBIDDEN');
  });

  it('maintenance: new non-admin connections refused, clients told, admins keep working, disable restores', async () => {
    ts = await startServer();
    const admin = await adminClient(ts);
    const prices = ts.connect('/prices');
    await connected(prices);
    const told = nextEvent<SystemMessage>(prices, 'system.message');
    expect(
      await request(admin, 'admin.command', { command: 'maintenance.enable', args: { message: 'upgrade' } }),
    ).toEqual({
      ok: true,
      command: 'maintenance.enable',
      result: { maintenance: { enabled: true, message: 'upgrade' } },
    });
    expect(await told).toMatchObject({ type: 'maintenance', message: 'upgrade' });
    expect(prices.connected).toBe(true);

    const late = await refused(ts.connect('/market'));
    expect(late.data).toMatchObject({ code: 'MAINTENANCE', message: 'upgrade' });
    const lateUser = await refused(ts.connect('/user', { token: await ts.token({ userId: 'x' }) }));
    expect(lateUser.data?.code).toBe('MAINTENANCE');
    const admin2 = await adminClient(ts);
    expect(await request(admin2, 'admin.metrics', {})).toMatchObject({ ok: true });

    expect(await request(admin, 'admin.command', { command: 'maintenance.disable' })).toMatchObject({
      ok: true,
      result: { maintenance: { enabled: false } },
    });
    await connected(ts.connect('/market'));
    expect(ts.server.maintenance).toEqual({ enabled: false });
  });
});

describe('maintenance through the API', () => {
  it('setMaintenance(true) and starting in maintenance refuse public clients', async () => {
    ts = await startServer({ maintenance: { enabled: true } });
    expect((await refused(ts.connect('/prices'))).data?.code).toBe('MAINTENANCE');
    ts.server.setMaintenance(false);
    const c = ts.connect('/prices');
    await connected(c);
    const seen = record(c, ['system.message']);
    ts.server.setMaintenance(true, 'soon');
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]![1]).toMatchObject({ type: 'maintenance', message: 'soon' });
  });
});
