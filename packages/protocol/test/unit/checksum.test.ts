import { crc32 as zlibCrc32 } from 'node:zlib';
import { type BookLevel, bookChecksum, bookChecksumString, CHECKSUM_DEPTH, crc32 } from '@ws/protocol';
import { describe, expect, it } from 'vitest';

const levels = (n: number, start: number, step: number, tag: string): BookLevel[] =>
  Array.from({ length: n }, (_, i) => [String(start + i * step), `${tag}${i + 1}`]);

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it.each([
    'a',
    'abc',
    'The quick brown fox jumps over the lazy dog',
    '50000.1:1.5:50001:2',
    'x'.repeat(10_000),
    'é€😀 ünïcödé',
    'lone \ud800 surrogate',
    'trailing \udc00',
    'end \ud83d',
  ])('matches zlib for %j', (input) => {
    expect(crc32(input)).toBe(zlibCrc32(input));
  });

  it('returns an unsigned 32-bit integer', () => {
    for (const s of ['a', 'b', 'zzz', '123456789']) {
      const c = crc32(s);
      expect(Number.isInteger(c) && c >= 0 && c <= 0xffffffff).toBe(true);
    }
  });
});

describe('bookChecksumString', () => {
  it('interleaves bid and ask levels best first', () => {
    const bids: BookLevel[] = [
      ['100', '1'],
      ['99', '2'],
    ];
    const asks: BookLevel[] = [
      ['101', '3'],
      ['102', '4'],
    ];
    expect(bookChecksumString(bids, asks)).toBe('100:1:101:3:99:2:102:4');
  });

  it('continues with the bids alone when they are longer', () => {
    expect(bookChecksumString(levels(3, 100, -1, 'b'), levels(1, 101, 1, 'a'))).toBe('100:b1:101:a1:99:b2:98:b3');
  });

  it('continues with the asks alone when they are longer', () => {
    expect(bookChecksumString(levels(1, 100, -1, 'b'), levels(3, 101, 1, 'a'))).toBe('100:b1:101:a1:102:a2:103:a3');
    expect(bookChecksumString([], levels(2, 101, 1, 'a'))).toBe('101:a1:102:a2');
  });

  it(`uses at most ${CHECKSUM_DEPTH} levels per side`, () => {
    const bids = levels(40, 1000, -1, 'b');
    const asks = levels(30, 1001, 1, 'a');
    const parts = bookChecksumString(bids, asks).split(':');
    expect(parts).toHaveLength(CHECKSUM_DEPTH * 4);
    expect(bookChecksumString(bids, asks)).toBe(bookChecksumString(bids.slice(0, 25), asks.slice(0, 25)));
    expect(parts.at(-2)).toBe(String(1001 + 24));
    expect(bookChecksumString(levels(40, 1000, -1, 'b'), [])).toBe(bookChecksumString(levels(25, 1000, -1, 'b'), []));
  });

  it('honours a custom depth', () => {
    expect(bookChecksumString(levels(5, 100, -1, 'b'), levels(5, 101, 1, 'a'), 1)).toBe('100:b1:101:a1');
  });

  it('is empty for an empty book, whose checksum is crc32("") = 0', () => {
    expect(bookChecksumString([], [])).toBe('');
    expect(bookChecksum([], [])).toBe(0);
  });
});

describe('bookChecksum', () => {
  it('is crc32 of the checksum string, as zlib computes it', () => {
    const bids = levels(30, 50000, -0.5, '1.');
    const asks = levels(10, 50000.5, 0.5, '0.');
    const expected = zlibCrc32(bookChecksumString(bids, asks));
    expect(bookChecksum(bids, asks)).toBe(expected);
    expect(bookChecksum([['50000', '1.5']], [['50001', '2']])).toBe(zlibCrc32('50000:1.5:50001:2'));
  });
});
