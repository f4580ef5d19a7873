import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  closeAll,
  collect,
  connect,
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
  request,
  signToken,
  startRedis,
  startRedisCluster,
  startSentinel,
  TEST_SECRET,
} from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseExposition, sum } from './helpers/prometheus.js';

const run = promisify(execFile);

async function publish(url: string, body: unknown): Promise<number> {
  const service = signToken({ sub: 'svc', role: 'service' });
  const res = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const order = (n: number) => ({
  event: 'order.new',
  userId: 'ann',
  data: {
    orderId: `o-${n}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    price: '1',
    quantity: '1',
    filledQuantity: '0',
    status: 'new',
  },
});
const price = (symbol: string, value: string) => ({
  event: 'price.update',
  data: { symbol, price: value, bid: value, ask: value, volume: '1' },
});

async function readyz(url: string): Promise<unknown> {
  return (await fetch(`${url}/readyz`)).json();
}

async function redisUp(url: string): Promise<number> {
  return sum(parseExposition(await (await fetch(`${url}/metrics`)).text()), 'ws_redis_up');
}

/**
 * Publishes on `a`, expects it on `b`: public prices on several symbols (several shards on a cluster), and a
 * `/user` stream that a client resumes with `auth.since` on `b` after missing an event while disconnected.
 */
async function expectDelivery(a: GatewayProcess, b: GatewayProcess, sockets: Socket[], from: number): Promise<void> {
  const prices = await connect(b.url, '/prices');
  sockets.push(prices);
  const updates = collect<{ symbol: string; price: string }>(prices, 'price.update');
  expect((await request(prices, 'subscribe', { symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] })).ok).toBe(true);
  expect(
    await publish(a.url, [
      price('BTC/USDT', `${from}.1`),
      price('ETH/USDT', `${from}.2`),
      price('SOL/USDT', `${from}.3`),
    ]),
  ).toBe(202);
  await vi.waitFor(
    () => {
      for (const [symbol, p] of [
        ['BTC/USDT', `${from}.1`],
        ['ETH/USDT', `${from}.2`],
        ['SOL/USDT', `${from}.3`],
      ]) {
        expect(updates).toContainEqual(expect.objectContaining({ symbol, price: p }));
      }
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** Starts two gateways with `env` (ids `<prefix>-a`, `<prefix>-b`) and waits until both report ready. */
async function startPair(env: Record<string, string>, prefix: string, into: GatewayProcess[]) {
  const [a, b] = await Promise.all([
    startGatewayProcess({ ...env, WS_NODE_ID: `${prefix}-a` }, 60_000),
    startGatewayProcess({ ...env, WS_NODE_ID: `${prefix}-b` }, 60_000),
  ]);
  into.push(a, b);
  await Promise.all([a, b].map((g) => waitReady(g)));
  return [a, b] as const;
}

async function waitReady(g: GatewayProcess, timeout = 20_000): Promise<void> {
  await vi.waitFor(async () => expect(await readyz(g.url)).toEqual({ status: 'ready' }), { timeout, interval: 100 });
}

/** `ann` on `b` receives order 1 published on `a`, then disconnects; resolves with her token. */
async function firstOrderThenDisconnect(a: GatewayProcess, b: GatewayProcess, sockets: Socket[]): Promise<string> {
  const token = signToken({ sub: 'ann', role: 'user' });
  const first = await connect(b.url, '/user', token);
  sockets.push(first);
  const seen = collect<{ seq: number }>(first, 'order.new');
  expect(await publish(a.url, order(1))).toBe(202);
  await vi.waitFor(() => expect(seen.map((o) => o.seq)).toEqual([1]), { timeout: 10_000, interval: 50 });
  first.close();
  return token;
}

describe('gateway processes on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisCluster | undefined;
  const gateways: GatewayProcess[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    closeAll(sockets);
    await Promise.all(gateways.map((g) => g.kill()));
    await cluster?.stop();
  });

  it('deliver across nodes and shards, and resume /user streams on another node', async () => {
    cluster = await startRedisCluster();
    const env = {
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      REDIS_CLUSTER_NODES: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
    };
    const [a, b] = await startPair(env, 'cl', gateways);
    for (const g of [a, b]) expect(await redisUp(g.url)).toBe(1);
    expect(a.logs).toContainEqual(expect.objectContaining({ msg: 'redis ready', mode: 'cluster' }));
    await expectDelivery(a, b, sockets, 1);

    const token = await firstOrderThenDisconnect(a, b, sockets);
    expect(await publish(a.url, order(2))).toBe(202);
    const again = await connectSince(a.url, token, { orders: 1 });
    sockets.push(again.socket);
    expect(again.recovered).toBe(true);
    await vi.waitFor(() => expect(again.orders.map((o) => o.seq)).toEqual([2]), { timeout: 10_000, interval: 50 });
  }, 120_000);
});

/** A `/user` connection resuming with `auth.since`; resolves once `connection.authenticated` arrived. */
async function connectSince(
  url: string,
  token: string,
  since: Record<string, number>,
): Promise<{ socket: Socket; recovered: boolean; orders: { seq: number }[] }> {
  const { io } = await import('socket.io-client');
  const socket = io(`${url}/user`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { token, since },
  });
  const orders = collect<{ seq: number }>(socket, 'order.new');
  const auth = await new Promise<{ recovered?: boolean }>((resolve, reject) => {
    socket.once('connection.authenticated', resolve);
    socket.once('connect_error', reject);
  });
  return { socket, recovered: auth.recovered === true, orders };
}

describe('gateway processes on Redis Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_NAME)', () => {
  const servers: (RedisServer | RedisSentinel)[] = [];
  const gateways: GatewayProcess[] = [];
  const sockets: Socket[] = [];
  let dir = '';
  afterEach(async () => {
    closeAll(sockets);
    await Promise.all(gateways.map((g) => g.kill()));
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('follow the master through a failover: delivery and /user recovery resume on the promoted replica', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-sentinel-'));
    const password = 'sentinel-test-password';
    // --dir: a replica's full sync writes dump.rdb into its working directory even with --save ''.
    const auth = ['--requirepass', password, '--masterauth', password, '--dir', dir];
    const master = await startRedis({ args: auth });
    const replica = await startRedis({ args: [...auth, '--replicaof', '127.0.0.1', String(master.port)] });
    servers.push(master, replica);
    const cli = async (port: number, ...args: string[]) =>
      (await run('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', password, ...args])).stdout.trim();
    await vi.waitFor(
      async () => expect(await cli(master.port, 'info', 'replication')).toMatch(/slave0:.*state=online/),
      {
        timeout: 20_000,
        interval: 100,
      },
    );
    const sentinel = await startSentinel(dir, 'trading', master.port, [
      `sentinel auth-pass trading ${password}`,
      // Small so the test's failover is quick; the test waits on the promotion itself, not on these.
      'sentinel down-after-milliseconds trading 1000',
      'sentinel failover-timeout trading 10000',
    ]);
    servers.push(sentinel);
    const sentinelCli = async (...args: string[]) =>
      (await run('redis-cli', ['-p', String(sentinel.port), ...args])).stdout;
    await vi.waitFor(
      async () => expect(await sentinelCli('sentinel', 'replicas', 'trading')).toContain(String(replica.port)),
      {
        timeout: 30_000,
        interval: 200,
      },
    );

    const env = {
      WS_JWT_SECRET: TEST_SECRET,
      WS_DEMO_FEED: '0',
      REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      REDIS_SENTINEL_NAME: 'trading',
      REDIS_USERNAME: 'default',
      REDIS_PASSWORD: password,
    };
    const [a, b] = await startPair(env, 'st', gateways);
    await expectDelivery(a, b, sockets, 1);

    const token = await firstOrderThenDisconnect(a, b, sockets);
    // The replica has everything so far (WAIT), so the promoted master carries the /user history.
    expect(Number(await cli(master.port, 'wait', '1', '10000'))).toBe(1);

    await master.stop();
    await vi.waitFor(
      async () =>
        expect(await sentinelCli('sentinel', 'get-master-addr-by-name', 'trading')).toContain(String(replica.port)),
      { timeout: 60_000, interval: 200 },
    );
    for (const g of [a, b]) {
      await waitReady(g, 60_000);
      await vi.waitFor(async () => expect(await redisUp(g.url)).toBe(1), { timeout: 30_000, interval: 200 });
    }
    await expectDelivery(a, b, sockets, 2);
    expect(await publish(a.url, order(2))).toBe(202);
    const again = await connectSince(b.url, token, { orders: 1 });
    sockets.push(again.socket);
    expect(again.recovered).toBe(true);
    await vi.waitFor(() => expect(again.orders.map((o) => o.seq)).toEqual([2]), { timeout: 10_000, interval: 50 });
  }, 240_000);
});
