import { type MarketDepth, OrderBookState } from '@ws/protocol';
import { expect } from 'vitest';

/** What `expectConsistentDepth` rebuilt. */
export interface ReplayedDepth {
  book: OrderBookState;
  snapshots: number;
  deltas: number;
  /** `seq` of the last message. */
  lastSeq: number;
}

/**
 * Replays a `market.depth` stream of one symbol as a client would and asserts it is consistent: it starts with a
 * snapshot, every delta's `prevSeq` is the `seq` before it, `seq` only grows, and after every message the rebuilt
 * book's CRC-32 is the message's `checksum`.
 */
export function expectConsistentDepth(messages: readonly MarketDepth[]): ReplayedDepth {
  expect(messages[0]?.type).toBe('snapshot');
  const symbol = messages[0]!.symbol;
  const book = new OrderBookState(symbol);
  let lastSeq = -1;
  let snapshots = 0;
  let deltas = 0;
  for (const message of messages) {
    expect(message.symbol).toBe(symbol);
    if (message.type === 'snapshot') {
      book.applySnapshot(message.bids, message.asks);
      snapshots++;
    } else {
      expect(message.prevSeq).toBe(lastSeq);
      book.applyDelta(message.bids, message.asks);
      deltas++;
    }
    expect(message.seq).toBeGreaterThan(lastSeq);
    expect(book.checksum()).toBe(message.checksum);
    lastSeq = message.seq;
  }
  return { book, snapshots, deltas, lastSeq };
}
