import { createServer } from 'node:http';
import { type RedisServer, startRedis, TEST_SECRET } from '@ws/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { redisVersionOf, shardedPubSubProblem } from '../../src/cluster/sharded-pubsub-support.js';
import { WebSocketServer, WsConfigError } from '../../src/index.js';

let redis: RedisServer | undefined;
afterEach(async () => {
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
