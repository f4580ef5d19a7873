import { Encoder } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { estimateBytes } from '../../src/encoding/payload-size.js';
import { PreEncodedJson, PreEncodedJsonEncoder } from '../../src/encoding/pre-encoded-json.js';

const book = { symbol: 'BTC/USDT', bids: [['1', '2']], note: 'a "quoted" \u0000 string' };

describe('PreEncodedJsonEncoder', () => {
  it('writes exactly what the default encoder writes for the same value', () => {
    const packet = (data: unknown) => ({ type: 3, nsp: '/market', id: 42, data: [{ ok: true, depth: data }] });
    const ours = new PreEncodedJsonEncoder().encode(packet(new PreEncodedJson(book)) as never);
    expect(ours).toEqual(new Encoder().encode(packet(book) as never));
  });

  it('encodes a packet without pre-encoded parts (the path without a replacer) as the default encoder does', () => {
    const plain = { symbol: 'BTC/USDT', price: '1.5', nested: { list: [1, 'é €', null] }, seq: 3 };
    for (const data of [
      ['price.update', plain],
      ['at', { when: new Date(0) }],
      ['deep', { a: { b: { c: { d: 1 } } } }],
    ]) {
      const packet = { type: 2, nsp: '/prices', data };
      expect(new PreEncodedJsonEncoder().encode(packet as never)).toEqual(new Encoder().encode(packet as never));
    }
  });

  it('splices the cached text, never re-encoding the value (a mutation after encoding does not show)', () => {
    const value = { n: 1 };
    const pre = new PreEncodedJson(value);
    value.n = 2;
    const [text] = new PreEncodedJsonEncoder().encode({
      type: 2,
      nsp: '/market',
      data: ['market.depth', pre],
    } as never);
    expect(text).toBe('2/market,["market.depth",{"n":1}]');
    expect(estimateBytes([pre])).toBe(Buffer.byteLength('[0]') + pre.bytes);
  });

  it('a string that looks like a placeholder stays a string', () => {
    const [text] = new PreEncodedJsonEncoder().encode({
      type: 2,
      nsp: '/',
      data: ['x', '\u0000pre-encoded:0', new PreEncodedJson({ a: 1 })],
    } as never);
    expect(JSON.parse((text as string).slice(1))).toEqual(['x', '\u0000pre-encoded:0', { a: 1 }]);
  });
});

describe('estimateBytes', () => {
  it('measures plain JSON (the fast path without a replacer) and mixed values (with one) alike', () => {
    const plain = { ok: true, symbols: ['BTC', 'ETH'], nested: { a: [1, { b: 'é €' }] }, nothing: null };
    expect(estimateBytes(plain)).toBe(Buffer.byteLength(JSON.stringify(plain)));
    expect(estimateBytes([plain])).toBe(Buffer.byteLength(JSON.stringify([plain])));
    // Binary one level down counts as '' (its bytes are attachments); a pre-encoded one by its length.
    expect(estimateBytes({ data: new Uint8Array(3) })).toBe(Buffer.byteLength('{"data":""}'));
    const pre = new PreEncodedJson({ bids: [['1', '2']] });
    expect(estimateBytes({ depth: pre })).toBe(Buffer.byteLength('{"depth":0}') + pre.bytes);
    // Deeper than the fast path looks: the replacer still finds it.
    const deep = { a: { b: { c: { d: { e: pre } } } } };
    expect(estimateBytes(deep)).toBe(Buffer.byteLength('{"a":{"b":{"c":{"d":{"e":0}}}}}') + pre.bytes);
    // toJSON (a Date) is honoured on both paths.
    const at = new Date(0);
    expect(estimateBytes({ at })).toBe(Buffer.byteLength(JSON.stringify({ at })));
    expect(estimateBytes(undefined)).toBe(0);
  });
});
