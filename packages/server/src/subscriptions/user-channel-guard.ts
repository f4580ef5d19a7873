import type { Logger } from '../logger.js';
import { WsError } from '../ws-error.js';
import type { UserChannelCounter } from './user-channel-counter.js';

/** What a subscribe reserved cluster-wide; settle with the number of rooms actually added. */
export interface ChannelReservation {
  settle(added: number): void;
}

const NOTHING: ChannelReservation = { settle: () => {} };

/**
 * Applies `maxChannelsPerUser` across nodes: before a subscribe, reserves the candidate rooms in the
 * shared counter; afterwards gives back what was not used, and on unsubscribe/disconnect what was held.
 * Tracks per connection what it reserved, so a counter outage (fail open, logged) never drives counts negative.
 */
export class UserChannelGuard {
  private readonly held = new Map<string, { userId: string; n: number }>();

  constructor(
    private readonly counter: UserChannelCounter,
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  async reserve(socketId: string, userId: string | null, candidates: number): Promise<ChannelReservation> {
    if (userId === null || candidates <= 0) return NOTHING;
    let ok: boolean;
    try {
      ok = await this.counter.reserve(userId, candidates, this.limit);
    } catch (err) {
      this.logger.warn({ err, userId }, 'user channel counter unavailable; per-node limit only');
      return NOTHING;
    }
    if (!ok)
      throw new WsError('LIMIT_EXCEEDED', `subscription limit exceeded: at most ${this.limit} channels per user`);
    const entry = this.held.get(socketId) ?? { userId, n: 0 };
    entry.n += candidates;
    this.held.set(socketId, entry);
    return {
      settle: (added) => {
        const unused = candidates - Math.max(0, Math.min(added, candidates));
        if (unused > 0) this.release(socketId, unused);
      },
    };
  }

  /** Gives back up to `n` of what the connection holds (all of it when `n` is omitted). */
  release(socketId: string, n?: number): void {
    const entry = this.held.get(socketId);
    if (!entry) return;
    const give = Math.min(n ?? entry.n, entry.n);
    entry.n -= give;
    if (entry.n <= 0) this.held.delete(socketId);
    if (give > 0) {
      this.counter.release(entry.userId, give).catch((err: unknown) => {
        this.logger.warn({ err, userId: entry.userId }, 'user channel counter release failed');
      });
    }
  }
}
