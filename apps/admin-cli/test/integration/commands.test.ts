import { closeAll, connect, disconnected, nextEvent, signToken, TEST_SECRET } from '@ws/test-support';
import type { TestGateway } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { startTestGateway } from './helpers/test-gateway.js';

describe('admin commands against a real gateway', { timeout: 120_000 }, () => {
  let gateway: TestGateway;
  let env: Record<string, string>;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway();
    // The admin token comes from the CLI's own `token` command, so minting is exercised end to end.
    const minted = await runCli(['token', '--user', 'ops-1', '--role', 'admin', '--ttl', '15m'], {
      WS_JWT_SECRET: TEST_SECRET,
    });
    expect(minted.code).toBe(0);
    env = { WS_URL: gateway.url, ADMIN_TOKEN: minted.stdout.trim() };
  });

  afterEach(async () => {
    closeAll(sockets.splice(0));
    gateway.server.setMaintenance(false);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  async function pricesClient(symbols: string[] = ['BTC/USDT']): Promise<Socket> {
    const socket = await connect(gateway.url, '/prices');
    sockets.push(socket);
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { symbols })) as { ok: boolean };
    expect(ack.ok).toBe(true);
    return socket;
  }

  async function userClient(userId: string): Promise<Socket> {
    const socket = await connect(gateway.url, '/user', signToken({ sub: userId }));
    sockets.push(socket);
    return socket;
  }

  it('stats prints aligned human tables with the live figures', async () => {
    await pricesClient(['BTC/USDT', 'ETH/USDT']);
    const { code, stdout, stderr } = await runCli(['stats'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Gateway ${gateway.url}`);
    expect(stdout).toMatch(/^connections\s+2 current/m);
    expect(stdout).toMatch(/^node\s+\S+, up \d+ s, event-loop lag /m);
    expect(stdout).toMatch(/^maintenance\s+off$/m);
    expect(stdout).toMatch(/^rate limits\s+\d+ refused on this node$/m);
    expect(stdout).toMatch(/^slow consumers\s+0 held at their latest state$/m);
    expect(stdout).toMatch(/^NAMESPACE\s+CONNECTIONS\s+MSGS IN\s+MSGS OUT\s+SUBSCRIPTIONS$/m);
    expect(stdout).toMatch(/^\/prices\s+1\s+\d+\s+\d+\s+2$/m);
    expect(stdout).toMatch(/^BTC\/USDT\s+1$/m);
    // No colours when stdout is not a TTY.
    expect(stdout).not.toContain('\u001b[');
  });

  it('stats --json prints one JSON document with metrics and subscriptions', async () => {
    await pricesClient(['SOL/USDT']);
    const { code, stdout } = await runCli(['stats', '--json'], env);
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout);
    expect(snapshot.url).toBe(gateway.url);
    expect(typeof snapshot.timestamp).toBe('number');
    expect(snapshot.metrics.connections.current).toBe(2);
    expect(snapshot.metrics.namespaces['/prices'].connections).toBe(1);
    expect(snapshot.metrics.namespaces['/admin'].connections).toBe(1);
    expect(snapshot.metrics.latency).toEqual({
      avg: expect.any(Number),
      p50: expect.any(Number),
      p95: expect.any(Number),
      p99: expect.any(Number),
    });
    expect(snapshot.subscriptions.topSymbols).toEqual([{ symbol: 'SOL/USDT', subscribers: 1 }]);
    expect(snapshot.node).toMatchObject({
      maintenance: { enabled: false },
      rateLimitRejections: expect.any(Number),
      slowConsumers: 0,
      eventLoopLagMs: expect.any(Number),
    });
  });

  it('connections list filters by namespace and user, in JSON and as a table', async () => {
    const prices = await pricesClient();
    const alice = await userClient('alice');
    await userClient('bob');

    const all = await runCli(['connections', 'list', '--json'], env);
    expect(all.code).toBe(0);
    const listed = JSON.parse(all.stdout) as { connections: { socketId: string; namespace: string }[]; total: number };
    expect(listed.total).toBe(4);
    expect(listed.connections.map((c) => c.namespace).sort()).toEqual(['/admin', '/prices', '/user', '/user']);

    const filtered = await runCli(['connections', 'list', '--namespace', 'user', '--user', 'alice', '--json'], env);
    expect(filtered.code).toBe(0);
    const onlyAlice = JSON.parse(filtered.stdout) as { connections: { userId: string; namespace: string }[] };
    expect(onlyAlice.connections).toHaveLength(1);
    expect(onlyAlice.connections[0]).toMatchObject({ userId: 'alice', namespace: '/user', role: 'user' });
    expect(alice.connected).toBe(true);

    const table = await runCli(['connections', 'list', '--namespace', '/prices'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SOCKET ID\s+NAMESPACE\s+USER\s+ROLE\s+IP\s+AGE\s+ROOMS\s+IN\s+OUT\s+NODE$/m);
    expect(table.stdout).toContain(prices.id);
    expect(table.stdout).toContain('1 of 1 connection');
  });

  it('connections kick <socketId> disconnects that socket only', async () => {
    const target = await pricesClient();
    const bystander = await pricesClient();
    // The server's socket id is the client's id on the namespace (cleared client-side once disconnected).
    const id = target.id!;
    const gone = disconnected(target);
    const { code, stdout } = await runCli(['connections', 'kick', id], env);
    expect(code).toBe(0);
    expect(stdout).toContain(`disconnected 1 connection of socket ${id}`);
    expect(await gone).toBe('io server disconnect');
    expect(bystander.connected).toBe(true);
  });

  it('connections kick --user disconnects every connection of the user; an unknown target exits 1', async () => {
    const a = await userClient('carol');
    const b = await userClient('carol');
    const other = await userClient('dave');
    const gone = Promise.all([disconnected(a), disconnected(b)]);
    const { code, stdout } = await runCli(['connections', 'kick', '--user', 'carol', '--json'], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ disconnected: 2, target: { userId: 'carol' } });
    await gone;
    expect(other.connected).toBe(true);

    const none = await runCli(['connections', 'kick', 'no-such-socket'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no connection of socket no-such-socket');
  });

  it('broadcast reaches a /prices client as system.message', async () => {
    const client = await pricesClient();
    const received = nextEvent<{ type: string; message: string; timestamp: number }>(client, 'system.message');
    const { code, stdout } = await runCli(
      ['broadcast', '--type', 'warning', '--message', 'BTC withdrawals paused'],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('broadcast warning message');
    expect(await received).toMatchObject({ type: 'warning', message: 'BTC withdrawals paused' });
  });

  it('maintenance on refuses new connections with MAINTENANCE while admin works; off restores', async () => {
    const on = await runCli(['maintenance', 'on', '--message', 'upgrading', '--json'], env);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout)).toEqual({ maintenance: { enabled: true, message: 'upgrading' } });

    await expect(connect(gateway.url, '/prices')).rejects.toMatchObject({ message: 'MAINTENANCE' });
    const stats = await runCli(['stats', '--json'], env);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).metrics.connections).toBeDefined();
    expect(JSON.parse(stats.stdout).node.maintenance).toEqual({ enabled: true, message: 'upgrading' });

    const off = await runCli(['maintenance', 'off'], env);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('maintenance OFF');
    sockets.push(await connect(gateway.url, '/prices'));
  });

  it('subscriptions prints rooms and symbols', async () => {
    await pricesClient(['BTC/USDT', 'ETH/USDT']);
    await pricesClient(['BTC/USDT']);
    const json = await runCli(['subscriptions', '--json'], env);
    expect(json.code).toBe(0);
    const { stats } = JSON.parse(json.stdout);
    expect(stats.subscriptions).toBe(3);
    expect(stats.topSymbols[0]).toEqual({ symbol: 'BTC/USDT', subscribers: 2 });

    const human = await runCli(['subscriptions'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^prices:BTC\/USDT\s+2$/m);
    expect(human.stdout).toMatch(/^ETH\/USDT\s+1$/m);
  });
});
