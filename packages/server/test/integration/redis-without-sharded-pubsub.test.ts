import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connected, nextEvent, type RedisServer, request, startRedis, TEST_SECRET } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { redisVersionOf, shardedPubSubProblem } from '../../src/cluster/sharded-pubsub-support.js';
import { WebSocketServer, WsConfigError } from '../../src/index.js';

let redis: RedisServer | undefined;
let node: TestServer | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
  await redis?.stop();
  redis = undefined;
});

describe('a Redis without SPUBLISH/SSUBSCRIBE (older than 7.0)', () => {
  it('the server refuses to start, naming the Redis and its version (a real redis-server with SPUBLISH renamed away)', async () => {
    // Only Redis 7 is installed here: an older one is simulated by taking its SPUBLISH away, which is exactly what
    // the check asks about (COMMAND INFO), and the version in the message is the real one.
    redis = await startRedis({ args: ['--rename-command', 'SPUBLISH', ''] });
    const version = redisVersionOf(await redis.client().info('server'));
    const server = new WebSocketServer({
      auth: { secret: TEST_SECRET },
      redis: { pub: redis.client(), sub: redis.client(), prefix: 'old' },
    });
    const http = createServer();
    try {
      const err = await server.initialize(http).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WsConfigError);
      expect((err as WsConfigError).option).toBe('redis');
      expect((err as WsConfigError).message).toBe(
        `redis needs Redis >= 7.0 for the per-room cluster bus (SPUBLISH not available): 127.0.0.1:${redis.port} runs Redis ${version}`,
      );
    } finally {
      await server.close().catch(() => undefined);
      http.close();
    }
  });

  it('a failed start leaves the server closed: every later client refused at the Engine.IO request, the HTTP server still serving', async () => {
    redis = await startRedis({ args: ['--rename-command', 'SPUBLISH', ''] });
    const server = new WebSocketServer({
      auth: { secret: TEST_SECRET },
      redis: { pub: redis.client(), sub: redis.client(), prefix: 'old' },
    });
    // Listening already, as an application that attaches the gateway to its running HTTP server.
    const http = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const clients: ClientSocket[] = [];
    try {
      await expect(server.initialize(http)).rejects.toBeInstanceOf(WsConfigError);
      expect(server.state).toBe('closed');
      await expect(server.initialize(http)).rejects.toThrow(/already called \(the server is closed\)/);
      // Socket.IO stays attached (it has no detach), but serves nothing: the default namespace, which has no
      // admission wired, refuses like the others.
      for (const nsp of ['/', '/prices']) {
        const client = connectClient(`${url}${nsp}`, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        clients.push(client);
        const outcome = await new Promise<string>((resolve) => {
          client.once('connect', () => resolve('connected'));
          client.once('connect_error', (err) => resolve(`refused: ${err.message}`));
        });
        expect(outcome).toBe('refused: websocket error');
      }
      await server.close();
      expect((await fetch(`${url}/healthz`)).status).toBe(404);
    } finally {
      for (const c of clients) c.close();
      await server.close().catch(() => undefined);
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('judges each node by COMMAND INFO and says which version it runs', () => {
    const info = '# Server\r\nredis_version:6.2.14\r\nredis_mode:standalone\r\n';
    expect(redisVersionOf(info)).toBe('6.2.14');
    expect(shardedPubSubProblem('r:6379', [null, null], redisVersionOf(info))).toBe(
      'needs Redis >= 7.0 for the per-room cluster bus (SPUBLISH, SSUBSCRIBE not available): r:6379 runs Redis 6.2.14',
    );
    expect(shardedPubSubProblem('r:6379', [['spublish'], ['ssubscribe']], '7.0.15')).toBeUndefined();
    expect(shardedPubSubProblem('r:6379', [null, ['ssubscribe']], undefined)).toContain(
      'r:6379 runs an unknown version',
    );
    // COMMAND refused by an ACL: the version decides; with neither answer the node is not refused.
    expect(shardedPubSubProblem('r:6379', undefined, '6.2.14')).toContain('(SPUBLISH, SSUBSCRIBE not available)');
    expect(shardedPubSubProblem('r:6379', undefined, '7.2.4')).toBeUndefined();
    expect(shardedPubSubProblem('r:6379', undefined, undefined)).toBeUndefined();
  });
});

describe('a Redis whose ACL refuses COMMAND (as managed services often set it)', () => {
  it('the version decides: a Redis 7 is accepted and carries the bus, for a user that may not run COMMAND', async () => {
    // A real redis-server with a user that may run everything but COMMAND: the check cannot ask COMMAND INFO.
    redis = await startRedis({ args: ['--user', 'gateway', 'on', '>bus-secret', '~*', '&*', '+@all', '-command'] });
    const as = { username: 'gateway', password: 'bus-secret' };
    expect(
      await redis
        .client(as)
        .call('COMMAND', 'INFO', 'spublish')
        .catch((e: Error) => e.message),
    ).toMatch(/NOPERM/);
    node = await startServer({ nodeId: 'acl', redis: { pub: redis.client(as), sub: redis.client(as), prefix: 'acl' } });
    expect(node.server.state).toBe('running');
    // The bus works for that user: a subscriber gets a price published through the cluster path.
    const client = node.connect('/prices');
    await connected(client);
    expect(await request(client, 'subscribe', { symbols: ['BTC/USDT'] })).toMatchObject({ ok: true });
    const update = nextEvent<{ price: string; seq: number }>(client, 'price.update');
    await node.server.broadcastPriceUpdate('BTC/USDT', { price: 42, bid: 41, ask: 43, volume: 1 });
    expect(await update).toMatchObject({ price: '42', seq: 1 });
  });
});
