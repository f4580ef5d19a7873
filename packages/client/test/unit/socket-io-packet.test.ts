import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, PacketType } from '../../src/socket-io-packet.js';

describe('Socket.IO v5 text packets', () => {
  it('encodes as socket.io-parser does: namespace (left out for /), ack id, JSON', () => {
    expect(encodePacket({ type: PacketType.CONNECT, nsp: '/prices', data: { token: 't' } })).toBe(
      '0/prices,{"token":"t"}',
    );
    expect(encodePacket({ type: PacketType.EVENT, nsp: '/market', id: 12, data: ['subscribe', { a: 1 }] })).toBe(
      '2/market,12["subscribe",{"a":1}]',
    );
    expect(encodePacket({ type: PacketType.EVENT, nsp: '/', data: ['x'] })).toBe('2["x"]');
    expect(encodePacket({ type: PacketType.DISCONNECT, nsp: '/user' })).toBe('1/user,');
  });

  it('decodes what the server sends', () => {
    expect(decodePacket('0/prices,{"sid":"abc"}')).toEqual({
      type: PacketType.CONNECT,
      nsp: '/prices',
      id: undefined,
      data: { sid: 'abc' },
    });
    expect(decodePacket('3/market,7[{"ok":true}]')).toEqual({
      type: PacketType.ACK,
      nsp: '/market',
      id: 7,
      data: [{ ok: true }],
    });
    expect(decodePacket('2["price.update",{"p":"1,2"}]')).toEqual({
      type: PacketType.EVENT,
      nsp: '/',
      id: undefined,
      data: ['price.update', { p: '1,2' }],
    });
    expect(decodePacket('1/user,')).toEqual({
      type: PacketType.DISCONNECT,
      nsp: '/user',
      id: undefined,
      data: undefined,
    });
    expect(decodePacket('4/admin,{"message":"no","data":{"code":"FORBIDDEN"}}')?.data).toEqual({
      message: 'no',
      data: { code: 'FORBIDDEN' },
    });
  });

  it('refuses malformed and binary packets', () => {
    for (const text of [
      '',
      '9',
      '2/prices,{"not":"an array"}',
      '2/prices,[1]',
      '3/prices,1{}',
      '0/prices,',
      '2[oops',
      '51-["x",{"_placeholder":true,"num":0}]',
    ]) {
      expect(decodePacket(text), text).toBeNull();
    }
  });
});
