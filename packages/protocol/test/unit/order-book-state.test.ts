import { bookChecksum, CHECKSUM_DEPTH, OrderBookState } from '@ws/protocol';
import { describe, expect, it } from 'vitest';

describe('OrderBookState', () => {
  it('applies a snapshot and orders bids descending and asks ascending by decimal value', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applySnapshot(
      [
        ['9.5', '1'],
        ['10', '2'],
        ['9.75', '3'],
      ],
      [
        ['11', '1'],
        ['10.5', '2'],
        ['100', '3'],
      ],
    );
    expect(book.bids()).toEqual([
      ['10', '2'],
      ['9.75', '3'],
      ['9.5', '1'],
    ]);
    expect(book.asks()).toEqual([
      ['10.5', '2'],
      ['11', '1'],
      ['100', '3'],
    ]);
    expect(book.bestBid()).toEqual(['10', '2']);
    expect(book.bestAsk()).toEqual(['10.5', '2']);
    expect(book.size()).toEqual({ bids: 3, asks: 3 });
    expect(book.symbol).toBe('BTC/USDT');
  });

  it('replaces the whole book on a snapshot', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applySnapshot([['1', '1']], [['2', '1']]);
    book.applySnapshot([['3', '1']], []);
    expect(book.bids()).toEqual([['3', '1']]);
    expect(book.asks()).toEqual([]);
  });

  it('updates, inserts and removes levels with a delta; "0" in any spelling removes', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applySnapshot(
      [
        ['100', '1'],
        ['99', '1'],
      ],
      [['101', '1']],
    );
    book.applyDelta(
      [
        ['100', '5'],
        ['99', '0'],
        ['98.5', '2'],
      ],
      [
        ['101', '0.000'],
        ['102', '1'],
      ],
    );
    expect(book.bids()).toEqual([
      ['100', '5'],
      ['98.5', '2'],
    ]);
    expect(book.asks()).toEqual([['102', '1']]);
  });

  it('ignores removal of a level that does not exist', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applyDelta([['100', '0']], [['101', '0']]);
    expect(book.size()).toEqual({ bids: 0, asks: 0 });
    expect(book.checksum()).toBe(0);
  });

  it('canonicalises prices and quantities so "100.50" and "100.5" are one level', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applyDelta([['100.50', '1.000']], []);
    book.applyDelta([['100.5', '2']], []);
    expect(book.bids()).toEqual([['100.5', '2']]);
    book.applyDelta([['100.500', '0']], []);
    expect(book.size().bids).toBe(0);
  });

  it('rejects non-decimal input with a TypeError', () => {
    const book = new OrderBookState('BTC/USDT');
    expect(() => book.applyDelta([['abc', '1']], [])).toThrow(TypeError);
    expect(() => book.applyDelta([['1', '1e5']], [])).toThrow(TypeError);
  });

  it(`checksums its top ${CHECKSUM_DEPTH} levels exactly like bookChecksum`, () => {
    const book = new OrderBookState('BTC/USDT');
    const bids = Array.from({ length: 40 }, (_, i) => [String(1000 - i * 0.5), String(i + 1)] as const);
    const asks = Array.from({ length: 30 }, (_, i) => [String(1000.5 + i), `${i + 1}.25`] as const);
    // Applied in scrambled order: the book sorts.
    book.applySnapshot([...bids].reverse(), [...asks].reverse());
    expect(book.bids(CHECKSUM_DEPTH)).toEqual(bids.slice(0, CHECKSUM_DEPTH));
    expect(book.asks(CHECKSUM_DEPTH)).toEqual(asks.slice(0, CHECKSUM_DEPTH));
    expect(book.checksum()).toBe(bookChecksum(bids.slice(0, 25), asks.slice(0, 25)));
    expect(book.checksum()).toBe(bookChecksum(book.bids(), book.asks()));
    book.applyDelta([[bids[0]![0], '0']], []);
    expect(book.checksum()).toBe(bookChecksum(bids.slice(1, 26), asks.slice(0, 25)));
  });

  it('keeps sorted order under many random updates', () => {
    const book = new OrderBookState('BTC/USDT');
    const reference = new Map<string, string>();
    let seed = 42;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const price = String(Math.floor(rand() * 200) / 4);
      const quantity = rand() < 0.3 ? '0' : String(Math.floor(rand() * 100) + 1);
      book.applyDelta([[price, quantity]], []);
      if (quantity === '0') reference.delete(price);
      else reference.set(price, quantity);
    }
    const expected = [...reference.entries()].sort((a, b) => Number(b[0]) - Number(a[0]));
    expect(book.bids()).toEqual(expected);
  });

  it('clears', () => {
    const book = new OrderBookState('BTC/USDT');
    book.applySnapshot([['1', '1']], [['2', '2']]);
    book.clear();
    expect(book.size()).toEqual({ bids: 0, asks: 0 });
    expect(book.bestBid()).toBeUndefined();
    expect(book.levels('asks')).toEqual([]);
  });
});
