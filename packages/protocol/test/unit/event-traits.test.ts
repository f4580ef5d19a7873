import {
  isStreamEventName,
  LATEST_STATE_EVENTS,
  LATEST_STATE_STREAMS,
  PUBLISHABLE_EVENT_NAMES,
  PublishableEvents,
  PublishableEventTraits,
  parseRoom,
  roomOfEvent,
  streamEventsOf,
  streamOfRoom,
} from '@ws/protocol';
import { describe, expect, it } from 'vitest';

describe('PublishableEventTraits', () => {
  it('pins which events carry their room’s latest state, a book, or single events', () => {
    const byState = (state: string) => PUBLISHABLE_EVENT_NAMES.filter((e) => PublishableEventTraits[e].state === state);
    expect(byState('latest')).toEqual(['price.update', 'market.stats', 'market.ticker']);
    expect(byState('book')).toEqual(['market.depth']);
    expect([...LATEST_STATE_EVENTS]).toEqual(['price.update', 'market.stats', 'market.ticker']);
  });

  it('pins the room families a paused subscriber can resume from their latest state', () => {
    expect([...LATEST_STATE_STREAMS].sort()).toEqual(['market:depth', 'market:stats', 'market:ticker', 'prices']);
  });

  it('is the catalog’s source: every publishable event has the same namespace, stream, privacy and state', () => {
    expect(Object.keys(PublishableEvents)).toEqual(PUBLISHABLE_EVENT_NAMES);
    for (const event of PUBLISHABLE_EVENT_NAMES) {
      const { namespace, stream, private: isPrivate, state } = PublishableEvents[event];
      expect({ namespace, stream, private: isPrivate, state }, event).toEqual(PublishableEventTraits[event]);
    }
  });

  it('private events are exactly the /user events, on a user stream', () => {
    for (const event of PUBLISHABLE_EVENT_NAMES) {
      const t = PublishableEventTraits[event];
      expect(t.private, event).toBe(t.namespace === '/user');
      if (t.stream === null) continue;
      const room = roomOfEvent(event, 'BTC/USDT', 'alice');
      const parsed = parseRoom(room ?? '');
      expect(parsed, `${event} → ${room}`).not.toBeNull();
      expect('userId' in (parsed ?? {}), event).toBe(t.private);
    }
  });

  it('roomOfEvent names the room the catalog publishes to, and streamOfRoom gives its family back', () => {
    for (const event of PUBLISHABLE_EVENT_NAMES) {
      const published = PublishableEvents[event].room({ symbol: 'ETH/USDT' }, 'u-1');
      expect(roomOfEvent(event, 'ETH/USDT', 'u-1'), event).toBe(published);
      if (published !== null) expect(streamOfRoom(published)).toBe(PublishableEventTraits[event].stream);
    }
    expect(roomOfEvent('market.depth', 'BTC/USDT', '')).toBe('market:depth:BTC/USDT');
    expect(roomOfEvent('order.filled', '', 'bob')).toBe('orders:bob');
    expect(roomOfEvent('system.message', 'BTC/USDT', 'bob')).toBeNull();
  });

  it('the catalog’s room validates its key; roomOfEvent only builds the name', () => {
    expect(() => PublishableEvents['price.update'].room({ symbol: 'btc' })).toThrow(TypeError);
    expect(() => PublishableEvents['order.new'].room({}, 'no spaces')).toThrow(TypeError);
    expect(roomOfEvent('price.update', 'btc', '')).toBe('prices:btc');
  });

  it('stream events are every publishable event with a room', () => {
    expect(PUBLISHABLE_EVENT_NAMES.filter(isStreamEventName)).toEqual(
      PUBLISHABLE_EVENT_NAMES.filter((e) => e !== 'system.message'),
    );
    expect(isStreamEventName('subscription.confirmed')).toBe(false);
    expect(isStreamEventName('toString')).toBe(false);
  });

  it('streamEventsOf lists a namespace’s stream events in catalog order', () => {
    expect(streamEventsOf('/prices')).toEqual(['price.update', 'price.trade']);
    expect(streamEventsOf('/market')).toEqual(['market.stats', 'market.ticker', 'market.trades', 'market.depth']);
    expect(streamEventsOf('/user')).toHaveLength(8);
    expect(streamEventsOf('/admin')).toEqual([]);
  });
});
