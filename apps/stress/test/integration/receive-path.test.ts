import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { ClientStats } from '../../src/clients/client-stats.js';
import { decimalField, KeyFinder, needle } from '../../src/clients/frame-fields.js';
import { ReceivedEvents } from '../../src/clients/received-events.js';
import { roomOfEvent } from '../../src/clients/stream-room.js';
import { createHistogram, encodeHistogram, MicrosRecorder, recordMicros } from '../../src/measure/histogram.js';

describe('decimalField read in place', () => {
  const volume = needle('volume');
  const field = (value: string) => `{"symbol":"BTC/USDT","volume":"${value}","seq":1}`;

  it('agrees with Number() to well under a microsecond on ms stamps, and exactly on short decimals', () => {
    for (let i = 0; i < 2_000; i++) {
      const stamp = (1_764_100_000_000 + Math.random() * 1e9).toFixed(3);
      const read = decimalField(field(stamp), volume) as number;
      // Within 1 µs (stamps are ms): an ulp at this magnitude is 0.24 µs.
      expect(Math.abs(read - Number(stamp))).toBeLessThan(1e-3);
    }
    for (const value of ['0', '1', '42.5', '50000.12', '0.00000001', '-3.25', '123456789012345', '1.']) {
      expect(decimalField(field(value), volume), value).toBe(Number(value));
    }
  });

  it('falls back to Number() for other forms and keeps its null for what is not a number', () => {
    for (const value of ['1e5', '+7', '1234567890123456789', '0.1234567890123']) {
      expect(decimalField(field(value), volume), value).toBe(Number(value));
    }
    expect(decimalField(field('abc'), volume)).toBeNull();
    expect(decimalField(field('-'), volume)).toBeNull();
    expect(decimalField('{"volume":12}', volume)).toBeNull();
    expect(decimalField('{"volume":"12', volume)).toBeNull();
    expect(decimalField('{"price":"12"}', volume)).toBeNull();
  });
});

describe('KeyFinder', () => {
  it('finds a once-occurring key where lastIndexOf does, as the layout of frames shifts', () => {
    const finders = ['seq', 'volume', 'timestamp', 'symbol', 'event', 'missing'].map((k) => new KeyFinder(needle(k)));
    for (let i = 0; i < 3_000; i++) {
      // Varying widths before and after the keys, keys in varying order, some frames without seq.
      const fields = [
        `"symbol":"${'BTC/USDT'.slice(0, 3 + (i % 6))}"`,
        `"price":"${(i * 7.13).toFixed(i % 4)}"`,
        `"volume":"${(1_764_100_000_000 + i).toFixed(3)}"`,
        `"timestamp":${1_764_100_000_000 + i * 13}`,
      ];
      if (i % 3 !== 0) fields.push(`"seq":${i}`);
      if (i % 7 === 0) fields.reverse();
      const text = `{"event":"price.update","data":{${fields.join(',')}}}`;
      for (const finder of finders)
        expect(finder.find(text), `${finder.key} in ${text}`).toBe(text.lastIndexOf(finder.key));
    }
  });

  it('anchors on a rare character of the key, and checks the key around every hit', () => {
    // Every "q" but the last is a decoy.
    const text = '{"q":"qq","seqq":1,"eq":"q","seq":42}';
    expect(new KeyFinder(needle('seq')).find(text)).toBe(text.indexOf('"seq":'));
    expect(new KeyFinder(needle('seq')).find('{"sequence":1}')).toBe(-1);
    expect(new KeyFinder('"q":').find(text)).toBe(1);
  });
});

describe('MicrosRecorder', () => {
  it('builds the same histogram as recording every value with recordMicros', () => {
    const recorder = new MicrosRecorder();
    const reference = createHistogram();
    const values = [-5, 0, 0.4, 0.6, 1, 1.5, 999.5, 2047, 2048, 2049, 4095, 4096, 65_536, 2 ** 31, 2 ** 32 - 1, 4e9];
    for (let i = 0; i < 5_000; i++) values.push(Math.random() * 3_000_000);
    for (let i = 0; i < 1_000; i++) values.push(2 ** (Math.random() * 32));
    for (const v of values) {
      recorder.record(v);
      recordMicros(reference, v);
    }
    const flushed = recorder.flush();
    expect(encodeHistogram(flushed)).toBe(encodeHistogram(reference));
    expect(flushed.totalCount).toBe(reference.totalCount);
    for (const p of [0, 1, 25, 50, 90, 99, 99.9, 100]) {
      expect(flushed.getValueAtPercentile(p), `p${p}`).toBe(reference.getValueAtPercentile(p));
    }
    expect(flushed.maxValue).toBe(reference.maxValue);
    expect(flushed.minNonZeroValue).toBe(reference.minNonZeroValue);
    // A second flush adds nothing twice.
    expect(recorder.flush().totalCount).toBe(reference.totalCount);
  });
});

describe('ClientStats event counters', () => {
  it('report the same byNamespace/byEvent/received/latency as message()', () => {
    const kept = new ClientStats();
    const plain = new ClientStats();
    const price = kept.eventCounter('/prices', 'price.update');
    expect(kept.eventCounter('/prices', 'price.update')).toBe(price);
    const ticker = kept.eventCounter('/market', 'market.ticker');
    for (let i = 0; i < 10; i++) {
      kept.countMessage(price, i % 2 ? 1500 : null);
      plain.message('/prices', 'price.update', i % 2 ? 1500 : null);
    }
    kept.countMessage(ticker, 20);
    plain.message('/market', 'market.ticker', 20);
    const a = kept.take();
    const b = plain.take();
    expect(a).toMatchObject({ received: 11, byNamespace: { '/prices': 10, '/market': 1 } });
    expect(a.byEvent).toEqual(b.byEvent);
    expect(a.byNamespace).toEqual(b.byNamespace);
    expect(decodeFromCompressedBase64(a.latencyHistogram, 32, false).totalCount).toBe(6);
    expect(a.latencyHistogram).toBe(b.latencyHistogram);
    // take() resets: the counters start again from zero.
    kept.countMessage(price, null);
    expect(kept.take()).toMatchObject({ received: 1, byEvent: { 'price.update': 1 }, latencyHistogram: '' });
  });
});

describe('ReceivedEvents', () => {
  const frame = (event: string, data: string) => `42/market,["${event}",${data}]`;
  const quote = '42/market,['.length;

  it('recognises events in place, counts stream events only, and reuses what it learned', () => {
    const stats = new ClientStats();
    const events = new ReceivedEvents(stats, '/market');
    const ticker = events.at(frame('market.ticker', '{"symbol":"BTC/USDT"}'), quote);
    expect(ticker?.name).toBe('market.ticker');
    expect(ticker?.counter).toBe(stats.eventCounter('/market', 'market.ticker'));
    expect(events.at(frame('market.ticker', '{"symbol":"ETH/USDT"}'), quote)).toBe(ticker);
    // A longer name sharing the prefix is another event.
    expect(events.at(frame('market.tickers', '{}'), quote)?.name).toBe('market.tickers');
    expect(events.at(frame('subscription.confirmed', '{}'), quote)?.counter).toBeNull();
    expect(events.at('42/market,["unterminated', quote)).toBeNull();
  });

  it('maps messages to the rooms roomOfEvent names, sharing seq state between events of one room', () => {
    const events = new ReceivedEvents(new ClientStats(), '/prices');
    const cases: [string, string][] = [
      ['price.update', '{"symbol":"BTC/USDT","seq":1}'],
      ['price.trade', '{"symbol":"BTC/USDT","seq":2}'],
      ['price.update', '{"symbol":"BTC/USDTX","seq":1}'],
      ['price.update', '{"symbol":"ETH/USDT","seq":1}'],
      ['price.update', '{"price":"1","seq":1}'],
      ['price.update', '{"symbol":null,"seq":1}'],
      ['market.ticker', '{"symbol":"BTC/USDT","seq":1}'],
      ['market.depth', '{"symbol":"BTC/USDT","seq":1}'],
      ['order.new', '{"symbol":"BTC/USDT","seq":1}'],
      ['order.filled', '{"symbol":"ETH/USDT","seq":2}'],
      ['position.update', '{"symbol":"BTC/USDT","seq":1}'],
      ['wallet.update', '{"asset":"USDT","seq":1}'],
      ['margin.call', '{"seq":1}'],
    ];
    const byName = new Map<string, object>();
    for (const [event, data] of cases) {
      const text = frame(event, data);
      const kind = events.at(text, quote);
      if (kind === null) throw new Error('no kind');
      // Twice: the second answer comes from the cache and must be the same room.
      const room = events.roomOf(kind, text);
      expect(events.roomOf(kind, text)).toBe(room);
      const symbol = /"symbol":"([^"]*)"/.exec(data)?.[1] ?? null;
      const name = roomOfEvent(event, symbol);
      const seen = byName.get(name);
      if (seen === undefined) byName.set(name, room);
      else expect(room, `${event} ${data}`).toBe(seen);
    }
    // Distinct room names, distinct seq states.
    expect(new Set(byName.values()).size).toBe(byName.size);
    expect([...byName.keys()].sort()).toEqual(
      [
        'prices:BTC/USDT',
        'prices:BTC/USDTX',
        'prices:ETH/USDT',
        'prices:',
        'market:ticker:BTC/USDT',
        'market:depth:BTC/USDT',
        'orders',
        'positions',
        'wallet',
        'user',
      ].sort(),
    );
  });
});
