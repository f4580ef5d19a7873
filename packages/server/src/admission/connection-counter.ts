import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import { WsConfigError } from '../ws-config-error.js';

/** What a concurrent-connection cap counts by. */
export type CapKind = 'ip' | 'user';

/**
 * Concurrent connections per IP and per user, for the connection caps. Every acquired slot is released exactly
 * once by the caller (when the connection closes).
 */
export interface ConnectionCounter {
  /** Takes a slot of `subject` when fewer than `limit` are held (cluster-wide where shared); false otherwise. */
  acquire(kind: CapKind, subject: string, limit: number): Promise<boolean>;
  /** Gives back one slot this node acquired. */
  release(kind: CapKind, subject: string): void;
  /** Stops background work (heartbeats); held slots lapse in a shared store. */
  close(): void;
}

/** Slots held on this node, per key; the shared counter's source of truth for this node's share. */
class HeldSlots {
  readonly #held = new Map<string, number>();

  count(key: string): number {
    return this.#held.get(key) ?? 0;
  }

  add(key: string, n: number): number {
    const next = this.count(key) + n;
    if (next <= 0) this.#held.delete(key);
    else this.#held.set(key, next);
    return next;
  }

  entries(): IterableIterator<[string, number]> {
    return this.#held.entries();
  }
}

/** One node: counts in memory. */
export class MemoryConnectionCounter implements ConnectionCounter {
  readonly #held = new HeldSlots();

  async acquire(kind: CapKind, subject: string, limit: number): Promise<boolean> {
    const key = `${kind}:${subject}`;
    if (this.#held.count(key) >= limit) return false;
    this.#held.add(key, 1);
    return true;
  }

  release(kind: CapKind, subject: string): void {
    const key = `${kind}:${subject}`;
    if (this.#held.count(key) > 0) this.#held.add(key, -1);
  }

  close(): void {}
}

// One hash per subject: `n:<node>` is a node's count, `h:<node>` the time (Redis clock, ms) until which that
// count is trusted. A node that stops renewing (kill -9, partition) is dropped by the next acquire after its
// deadline, so a crash never locks anyone out for longer than the TTL.
const NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ACQUIRE = `${NOW}
local ttl = tonumber(ARGV[3])
local fields = redis.call('HGETALL', KEYS[1])
local counts, deadlines = {}, {}
for i = 1, #fields, 2 do
  local kind, node = string.sub(fields[i], 1, 2), string.sub(fields[i], 3)
  if kind == 'n:' then counts[node] = tonumber(fields[i + 1]) elseif kind == 'h:' then deadlines[node] = tonumber(fields[i + 1]) end
end
local total, latest = 0, now + ttl
for node, n in pairs(counts) do
  local deadline = deadlines[node] or 0
  if deadline < now then
    redis.call('HDEL', KEYS[1], 'n:' .. node, 'h:' .. node)
  else
    total = total + n
    if deadline > latest then latest = deadline end
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[1], 1)
redis.call('HSET', KEYS[1], 'h:' .. ARGV[1], now + ttl)
redis.call('PEXPIREAT', KEYS[1], latest)
return 1`;

const RELEASE = `
local n = redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], 'n:' .. ARGV[1], 'h:' .. ARGV[1]) end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return n`;

// Renews this node's deadline and, unless ARGV[2] is -1 (an acquire or release in flight), re-asserts its count,
// so counts lost to a Redis restart or a failed release heal within one heartbeat.
const RENEW = `${NOW}
local ttl = tonumber(ARGV[3])
if ARGV[2] ~= '-1' then redis.call('HSET', KEYS[1], 'n:' .. ARGV[1], ARGV[2]) end
if redis.call('HEXISTS', KEYS[1], 'n:' .. ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'h:' .. ARGV[1], now + ttl)
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

export interface RedisConnectionCounterOptions {
  /** Key prefix (default `ws`); keys are `<prefix>:conns:<kind>:<subject>` (`redisKey`'s rule). */
  prefix?: string;
  /**
   * How long a node's counts are trusted without a heartbeat (ms, default 60 000); it renews them every third of
   * that. After a crash its connections stop counting within this time.
   */
  ttlMs?: number;
  /** A Redis answer slower than this (ms) is not waited for: the node's own count decides (default 500). */
  timeoutMs?: number;
  logger?: Logger;
}

interface Script {
  source: string;
  sha: string;
}

const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const scripts = { acquire: script(ACQUIRE), release: script(RELEASE), renew: script(RENEW) };

/**
 * The counts shared by every node on one Redis (or Redis Cluster: one key per subject, so each script touches one
 * slot). Each node keeps its own share in memory as the truth and renews it in Redis on a heartbeat. While Redis
 * does not answer, a node admits up to the cap on its own count (fails open to per-node caps) and logs it.
 */
export class RedisConnectionCounter implements ConnectionCounter {
  readonly #redis: Redis | Cluster;
  readonly #nodeId: string;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;
  readonly #held = new HeldSlots();
  /** Acquires and releases in flight per key: their count is not re-asserted until they settle. */
  readonly #inflight = new Map<string, number>();
  readonly #heartbeat: NodeJS.Timeout;
  #lastWarning = 0;

  constructor(redis: Redis | Cluster, nodeId: string, options: RedisConnectionCounterOptions = {}) {
    this.#redis = redis;
    this.#nodeId = nodeId;
    this.#prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 500;
    this.#logger = options.logger;
    if (!Number.isInteger(this.#ttlMs) || this.#ttlMs < 30) {
      throw new WsConfigError('connectionCaps.ttlMs', 'must be an integer >= 30');
    }
    this.#heartbeat = setInterval(() => this.#renew(), Math.floor(this.#ttlMs / 3));
    this.#heartbeat.unref();
  }

  async acquire(kind: CapKind, subject: string, limit: number): Promise<boolean> {
    const key = this.#key(kind, subject);
    if (this.#held.count(key) >= limit) return false;
    this.#track(key, 1);
    let shared: boolean | undefined;
    try {
      const answer = await this.#run(scripts.acquire, key, [this.#nodeId, limit, this.#ttlMs]);
      if (answer === undefined) this.#warn(new Error(`no answer within ${this.#timeoutMs} ms`));
      else shared = answer === 1;
    } catch (err) {
      this.#warn(err);
    } finally {
      this.#track(key, -1);
    }
    // No answer in time: this node's own count decides (the heartbeat corrects Redis either way).
    const ok = shared ?? this.#held.count(key) < limit;
    if (ok) this.#held.add(key, 1);
    return ok;
  }

  release(kind: CapKind, subject: string): void {
    const key = this.#key(kind, subject);
    if (this.#held.count(key) === 0) return;
    this.#held.add(key, -1);
    this.#track(key, 1);
    this.#run(scripts.release, key, [this.#nodeId])
      .catch((err: unknown) => this.#warn(err))
      .finally(() => this.#track(key, -1));
  }

  close(): void {
    clearInterval(this.#heartbeat);
  }

  #key(kind: CapKind, subject: string): string {
    return redisKey(this.#prefix, 'conns', kind, subject);
  }

  #track(key: string, n: number): void {
    const next = (this.#inflight.get(key) ?? 0) + n;
    if (next <= 0) this.#inflight.delete(key);
    else this.#inflight.set(key, next);
  }

  #renew(): void {
    for (const [key, count] of this.#held.entries()) {
      const assert = this.#inflight.has(key) ? -1 : count;
      this.#run(scripts.renew, key, [this.#nodeId, assert, this.#ttlMs]).catch((err: unknown) => this.#warn(err));
    }
  }

  /** EVALSHA (EVAL once Redis does not know the script); `undefined` when Redis is slower than the timeout. */
  async #run(s: Script, key: string, args: (string | number)[]): Promise<unknown> {
    const call = async () => {
      try {
        return await this.#redis.evalsha(s.sha, 1, key, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return this.#redis.eval(s.source, 1, key, ...args);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#timeoutMs);
    });
    const pending = call();
    pending.catch(() => undefined);
    try {
      return await Promise.race([pending, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #warn(err: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 10_000) return;
    this.#lastWarning = now;
    this.#logger?.warn({ err }, 'connection caps: Redis did not answer; this node enforces its own share only');
  }
}
