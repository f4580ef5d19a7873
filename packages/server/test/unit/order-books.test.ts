import { bookChecksum } from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { OrderBooks } from '../../src/state/order-books.js';

describe('OrderBooks', () => {
  it('applies a snapshot then deltas, chaining prevSeq and computing the checksum after each', () => {
    const books = new OrderBooks();
    const s = books.apply(
      {
        symbol: 'BTC/USDT',
        type: 'snapshot',
        bids: [
          ['100', '1'],
          ['99', '2'],
        ],
        asks: [['101', '1']],
        timestamp: 1,
      },
      1,
    );
    expect(s).toMatchObject({ type: 'snapshot', seq: 1, prevSeq: 0 });
    expect(s.checksum).toBe(
      bookChecksum(
        [
          ['100', '1'],
          ['99', '2'],
        ],
        [['101', '1']],
      ),
    );
    const d = books.apply(
      { symbol: 'BTC/USDT', type: 'delta', bids: [['99', '0']], asks: [['102', '3']], timestamp: 2 },
      2,
    );
    expect(d).toMatchObject({ type: 'delta', seq: 2, prevSeq: 1, bids: [['99', '0']], asks: [['102', '3']] });
    expect(d.checksum).toBe(
      bookChecksum(
        [['100', '1']],
        [
          ['101', '1'],
          ['102', '3'],
        ],
      ),
    );
    expect(books.seq('BTC/USDT')).toBe(2);
  });

  it('snapshot() reflects the whole book with seq = prevSeq = last applied seq', () => {
    const books = new OrderBooks();
    expect(books.snapshot('ETH/USDT')).toBeUndefined();
    books.apply({ symbol: 'ETH/USDT', type: 'delta', bids: [['1', '1']], asks: [], timestamp: 1 }, 7);
    expect(books.snapshot('ETH/USDT', 5)).toEqual({
      symbol: 'ETH/USDT',
      type: 'snapshot',
      bids: [['1', '1']],
      asks: [],
      seq: 7,
      prevSeq: 7,
      checksum: bookChecksum([['1', '1']], []),
      timestamp: 5,
    });
  });

  it('a published snapshot replaces the book; books are per symbol', () => {
    const books = new OrderBooks();
    books.apply({ symbol: 'A/B', type: 'snapshot', bids: [['5', '1']], asks: [['6', '1']], timestamp: 1 }, 1);
    books.apply({ symbol: 'C/D', type: 'snapshot', bids: [['9', '9']], asks: [], timestamp: 1 }, 1);
    books.apply({ symbol: 'A/B', type: 'snapshot', bids: [['4', '1']], asks: [], timestamp: 2 }, 2);
    expect(books.snapshot('A/B')).toMatchObject({ bids: [['4', '1']], asks: [], seq: 2 });
    expect(books.snapshot('C/D')).toMatchObject({ bids: [['9', '9']], seq: 1 });
    expect(books.symbols().sort()).toEqual(['A/B', 'C/D']);
    books.delete('A/B');
    expect(books.has('A/B')).toBe(false);
  });
});
