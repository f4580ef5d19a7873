import { describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../src/connection-manager.js';

const identity = (socketId: string, namespace: '/prices' | '/user', userId: string | null = null) => ({
  socketId,
  namespace,
  userId,
  role: userId ? ('user' as const) : null,
  ip: '10.0.0.1',
  userAgent: 'test',
  connectedAt: 1,
});

describe('ConnectionManager', () => {
  it('attributes room traffic to the members present when it was sent, plus direct traffic and traffic in', () => {
    const m = new ConnectionManager('node-1');
    m.add(identity('a', '/prices'));
    m.add(identity('b', '/prices'));
    m.joined('/prices', 'prices:BTC/USDT', 'a');
    m.recordRoomOut('/prices', 'prices:BTC/USDT', 100);
    m.joined('/prices', 'prices:BTC/USDT', 'b');
    m.recordRoomOut('/prices', 'prices:BTC/USDT', 50);
    m.left('prices:BTC/USDT', 'a');
    m.recordRoomOut('/prices', 'prices:BTC/USDT', 10);
    m.recordOut('a', 7);
    m.recordIn('a', 20);
    expect(m.info('a')).toMatchObject({
      rooms: [],
      messagesOut: 3,
      bytesOut: 157,
      messagesIn: 1,
      bytesIn: 20,
      nodeId: 'node-1',
    });
    expect(m.info('b')).toMatchObject({ rooms: ['prices:BTC/USDT'], messagesOut: 2, bytesOut: 60 });
  });

  it('does not mix rooms of the same name in different namespaces, and ignores the socket-id room', () => {
    const m = new ConnectionManager('n');
    m.add(identity('a', '/prices'));
    m.joined('/prices', 'a', 'a');
    m.joined('/prices', 'user:u', 'a');
    m.recordRoomOut('/user', 'user:u', 5);
    expect(m.info('a')).toMatchObject({ rooms: ['user:u'], messagesOut: 0 });
  });

  it('keeps each room’s share across several rooms, leaving one of them, re-joining and a recreated room', () => {
    const m = new ConnectionManager('n');
    m.add(identity('a', '/prices', 'u1'));
    m.joined('/prices', 'user:u1', 'a');
    m.joined('/prices', 'prices:A', 'a');
    m.joined('/prices', 'prices:B', 'a');
    m.joined('/prices', 'prices:A', 'a'); // already in: no new base
    m.recordRoomOut('/prices', 'prices:A', 10);
    m.recordRoomOut('/prices', 'prices:B', 20);
    m.recordRoomOut('/prices', 'prices:B', 20);
    m.left('prices:C', 'a'); // not in: nothing
    m.left('prices:A', 'a');
    expect(m.info('a')).toMatchObject({ rooms: ['user:u1', 'prices:B'], messagesOut: 3, bytesOut: 50 });
    m.roomDeleted('/prices', 'prices:A');
    m.recordRoomOut('/prices', 'prices:A', 1000); // nobody here is in it now
    m.joined('/prices', 'prices:A', 'a');
    m.recordRoomOut('/prices', 'prices:A', 5);
    expect(m.info('a')).toMatchObject({ rooms: ['user:u1', 'prices:B', 'prices:A'], messagesOut: 4, bytesOut: 55 });
    for (const room of ['user:u1', 'prices:B', 'prices:A']) m.left(room, 'a');
    expect(m.info('a')).toMatchObject({ rooms: [], messagesOut: 4, bytesOut: 55 });
  });

  it('lists with filters, limit and total; remove forgets', () => {
    const m = new ConnectionManager('n');
    m.add(identity('a', '/prices', 'u1'));
    m.add(identity('b', '/user', 'u1'));
    m.add(identity('c', '/prices'));
    expect(m.list({ userId: 'u1' }).total).toBe(2);
    expect(m.list({ namespace: '/prices', limit: 1 })).toMatchObject({ total: 2, connections: [{ socketId: 'a' }] });
    expect(m.count('/prices')).toBe(2);
    m.remove('a');
    expect(m.info('a')).toBeUndefined();
    expect(m.socketIds()).toEqual(['b', 'c']);
  });
});
