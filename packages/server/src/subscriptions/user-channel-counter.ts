import type { Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';

/**
 * Cluster-wide count of the channels each user holds, so `maxChannelsPerUser` holds across nodes.
 * Counts live in one Redis hash per user with a field per node, so a node only ever changes its own share.
 */
export interface UserChannelCounter {
  /** Adds `n` for the user on this node if the cluster-wide total stays within `limit`; false otherwise. */
  reserve(userId: string, n: number, limit: number): Promise<boolean>;
  /** Gives back `n` of what this node reserved for the user. */
  release(userId: string, n: number): Promise<void>;
}

const RESERVE = `
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
if total + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

const RELEASE = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n`;

/** `UserChannelCounter` on Redis (atomic Lua check-and-add). Keys expire after `ttlSec` without reservations, bounding what a crashed node leaves behind. */
export class RedisUserChannelCounter implements UserChannelCounter {
  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly options: { prefix?: string; ttlSec?: number } = {},
  ) {}

  async reserve(userId: string, n: number, limit: number): Promise<boolean> {
    if (n <= 0) return true;
    const ttl = this.options.ttlSec ?? 86_400;
    const ok = await this.redis.eval(RESERVE, 1, this.key(userId), this.nodeId, n, limit, ttl);
    return ok === 1;
  }

  async release(userId: string, n: number): Promise<void> {
    if (n <= 0) return;
    await this.redis.eval(RELEASE, 1, this.key(userId), this.nodeId, n);
  }

  private key(userId: string): string {
    return redisKey(this.options.prefix ?? DEFAULT_REDIS_PREFIX, 'user-channels', userId);
  }
}
