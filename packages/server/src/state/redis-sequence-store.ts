import type { BookLevel } from '@ws/protocol';
import { compile, isZeroDecimal, PublishableEventTraits, streamOfRoom } from '@ws/protocol';
import { ClusterBusMessage } from '@ws/protocol/internal';
import type { Cluster, Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { busChannel, DEFAULT_REDIS_PREFIX, redisKey } from '../redis-keys.js';
import type { BusMessage, SequencedMessage } from './sequenced-message.js';

export interface RedisSequenceStoreOptions {
  /** Key and channel prefix (`redisKey`'s rule; default `ws`). */
  prefix?: string;
  /** How many events a user room's history keeps at most (approximate trim). */
  historyMaxLen?: number;
  /** How long a user room's history is kept after its last event. */
  historyWindowMs?: number;
  /** The publish time stamped on history entries (what the recovery window is measured against); default system. */
  clock?: Clock;
}

/**
 * Assigns seq, stores the latest message / history / book and publishes on the room's bus channel in ONE Lua
 * call, so seq order, stored state and delivery order agree on every node. KEYS and the channel share the
 * `{room}` hash tag, so on Redis Cluster it runs on the room's shard and SPUBLISH reaches only the nodes
 * subscribed to the room (a classic PUBLISH would be broadcast to every shard).
 */
const PUBLISH_SCRIPT = `
local prev = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = prev + 1
local floor = tonumber(ARGV[4])
if seq <= floor then seq = floor + 1 end
redis.call('SET', KEYS[1], seq)
local kind = ARGV[2]
local msg = seq .. '|' .. prev .. '|' .. ARGV[3]
if kind == 'snapshot' then
  redis.call('SET', KEYS[2], msg)
elseif kind == 'history' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], seq .. '-0', 't', ARGV[7], 'm', msg)
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
elseif kind == 'depth' then
  if ARGV[8] == 'snapshot' then redis.call('DEL', KEYS[4], KEYS[5]) end
  local i = 9
  for side = 4, 5 do
    local n = tonumber(ARGV[i]); i = i + 1
    for _ = 1, n do
      local price, qty = ARGV[i], ARGV[i + 1]; i = i + 2
      if qty == '' then redis.call('HDEL', KEYS[side], price) else redis.call('HSET', KEYS[side], price, qty) end
    end
  end
end
redis.call('SPUBLISH', ARGV[1], msg)
return seq
`;

type RedisLike = Redis | Cluster;

/** The Redis half of the cluster publish path: global seq, latest snapshots, order books and `/user` history. */
export class RedisSequenceStore {
  /** Key and channel prefix. */
  readonly prefix: string;
  private readonly historyMaxLen: number;
  readonly historyWindowMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly redis: RedisLike,
    options: RedisSequenceStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.historyMaxLen = options.historyMaxLen ?? 1000;
    this.historyWindowMs = options.historyWindowMs ?? 120_000;
    this.clock = options.clock ?? systemClock;
    this.redis.defineCommand('wsSequencedPublish', { numberOfKeys: 5, lua: PUBLISH_SCRIPT });
  }

  /** The room's bus channel (`<prefix>:{room}:bus`). */
  channel(room: string): string {
    return busChannel(this.prefix, room);
  }

  private key(room: string, what: string): string {
    return redisKey(this.prefix, `{${room}}`, what);
  }

  /** Sequences, stores and publishes; resolves to the seq. `floor`: the seq must be above it (after a local-only outage). */
  async publish(message: SequencedMessage, floor = 0): Promise<number> {
    const body = JSON.stringify({
      n: message.namespace,
      r: message.room,
      e: message.event,
      d: message.data,
      ...(message.enteredAt === undefined ? {} : { t: message.enteredAt }),
    });
    const args: (string | number)[] = [
      this.channel(message.room),
      message.kind,
      body,
      floor,
      this.historyMaxLen,
      this.historyWindowMs,
      this.clock.now(),
    ];
    if (message.kind === 'depth') {
      const d = message.data as { type: string; bids: BookLevel[]; asks: BookLevel[] };
      args.push(d.type);
      for (const side of [d.bids, d.asks]) {
        args.push(side.length);
        for (const [price, qty] of side) args.push(price, isZeroDecimal(qty) ? '' : qty);
      }
    }
    const r = this.room(message.room);
    const run = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>).wsSequencedPublish;
    return Number(await run!.call(this.redis, r.seq, r.snapshot, r.history, r.bids, r.asks, ...args));
  }

  private room(room: string) {
    return {
      seq: this.key(room, 'seq'),
      snapshot: this.key(room, 'snap'),
      history: this.key(room, 'hist'),
      bids: this.key(room, 'bids'),
      asks: this.key(room, 'asks'),
    };
  }

  /** The last seq handed out for the room (0 when none). */
  async current(room: string): Promise<number> {
    return Number((await this.redis.get(this.key(room, 'seq'))) ?? 0);
  }

  /** The latest snapshot-kind message of the room. */
  async snapshot(room: string): Promise<BusMessage | undefined> {
    const raw = await this.redis.get(this.key(room, 'snap'));
    return raw === null ? undefined : parseBusMessage(raw);
  }

  /** The order book of a depth room as one consistent read: levels and the seq of the last applied message. */
  async book(room: string): Promise<{ seq: number; bids: BookLevel[]; asks: BookLevel[] }> {
    const r = this.room(room);
    const results = await this.redis.multi().get(r.seq).hgetall(r.bids).hgetall(r.asks).exec();
    if (!results) throw new Error('book read aborted');
    for (const [err] of results) if (err) throw err;
    const [seq, bids, asks] = results.map(([, v]) => v) as [
      string | null,
      Record<string, string>,
      Record<string, string>,
    ];
    return { seq: Number(seq ?? 0), bids: Object.entries(bids), asks: Object.entries(asks) };
  }

  /** History of a user room after `afterSeq`, oldest first, read atomically with the room's current seq. */
  async history(
    room: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ current: number; entries: { time: number; message: BusMessage }[] }> {
    const r = this.room(room);
    const results = await this.redis
      .multi()
      .get(r.seq)
      .xrange(r.history, `${afterSeq + 1}-0`, '+', 'COUNT', limit)
      .exec();
    if (!results) throw new Error('history read aborted');
    for (const [err] of results) if (err) throw err;
    const current = Number((results[0]?.[1] as string | null) ?? 0);
    const raw = (results[1]?.[1] ?? []) as [string, string[]][];
    const entries: { time: number; message: BusMessage }[] = [];
    for (const [, fields] of raw) {
      const time = Number(fields[fields.indexOf('t') + 1]);
      const message = parseBusMessage(fields[fields.indexOf('m') + 1] ?? '');
      if (message) entries.push({ time, message });
    }
    return { current, entries };
  }
}

const busMessage = compile(ClusterBusMessage);
const SEQ_TEXT = /^\d{1,16}$/;

/**
 * `seq|prevSeq|{"n","r","e","d","t"?}` → message; undefined for anything malformed: not that shape, not the
 * protocol's `ClusterBusMessage`, or a room, namespace and event that do not belong together. Body fields it
 * does not know are ignored, so a newer node may add one during a rolling upgrade.
 */
export function parseBusMessage(raw: string): BusMessage | undefined {
  if (typeof raw !== 'string') return undefined;
  const a = raw.indexOf('|');
  const b = raw.indexOf('|', a + 1);
  if (a < 0 || b < 0) return undefined;
  const seqText = raw.slice(0, a);
  const prevSeqText = raw.slice(a + 1, b);
  if (!SEQ_TEXT.test(seqText) || !SEQ_TEXT.test(prevSeqText)) return undefined;
  let body: { n?: unknown; r?: unknown; e?: unknown; d?: unknown; t?: unknown };
  try {
    body = JSON.parse(raw.slice(b + 1));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const candidate: Record<string, unknown> = {
    seq: Number(seqText),
    prevSeq: Number(prevSeqText),
    namespace: body.n,
    room: body.r,
    event: body.e,
    data: body.d,
  };
  if (body.t !== undefined) candidate.enteredAt = body.t;
  if (!busMessage.check(candidate)) return undefined;
  const traits = PublishableEventTraits[candidate.event];
  if (traits.namespace !== candidate.namespace || traits.stream !== streamOfRoom(candidate.room)) return undefined;
  return candidate;
}
