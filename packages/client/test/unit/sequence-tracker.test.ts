import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../src/sequence-tracker.js';

describe('SequenceTracker', () => {
  it('reports nothing for the first message and for consecutive seqs', () => {
    const t = new SequenceTracker();
    expect(t.observe('prices:BTC/USDT', 7)).toBeNull();
    expect(t.observe('prices:BTC/USDT', 8)).toBeNull();
    expect(t.observe('prices:ETH/USDT', 1)).toBeNull();
    expect(t.lastSeq('prices:BTC/USDT')).toBe(8);
  });

  it('reports a jump as a live gap', () => {
    const t = new SequenceTracker();
    t.observe('r', 1);
    expect(t.observe('r', 5)).toEqual({ room: 'r', expected: 2, received: 5, cause: 'live' });
    expect(t.observe('r', 6)).toBeNull();
  });

  it('reports a sequence restart (server restarted) as a gap with received < expected', () => {
    const t = new SequenceTracker();
    t.observe('r', 40);
    expect(t.observe('r', 1)).toEqual({ room: 'r', expected: 41, received: 1, cause: 'live' });
  });

  it('after a reconnect compares the first message with the last one before the drop', () => {
    const t = new SequenceTracker();
    t.observe('prices:A/B', 10);
    t.observe('market:ticker:A/B', 3);
    t.markRestoring((room) => room.startsWith('prices:'));
    expect(t.observe('prices:A/B', 14)).toEqual({ room: 'prices:A/B', expected: 11, received: 14, cause: 'reconnect' });
    // Only the first message after the restore counts as `reconnect`.
    expect(t.observe('prices:A/B', 16)?.cause).toBe('live');
    expect(t.observe('market:ticker:A/B', 5)?.cause).toBe('live');
  });

  it('the same seq again (a replayed latest value) loses nothing', () => {
    const t = new SequenceTracker();
    t.observe('r', 9);
    t.markRestoring();
    expect(t.observe('r', 9)).toBeNull();
    expect(t.observe('r', 10)).toBeNull();
  });

  it('forgets rooms', () => {
    const t = new SequenceTracker();
    t.observe('r', 3);
    t.forget('r');
    expect(t.rooms()).toEqual([]);
    expect(t.observe('r', 9)).toBeNull();
  });

  it('seed: the first value is a baseline, the same value again is no gap, a different one after a reconnect is', () => {
    const t = new SequenceTracker();
    expect(t.seed('wallet:u', 5)).toBeNull();
    expect(t.lastSeq('wallet:u')).toBe(5);
    t.markRestoring();
    expect(t.seed('wallet:u', 5)).toBeNull();
    expect(t.observe('wallet:u', 6)).toBeNull();
    t.markRestoring();
    expect(t.seed('wallet:u', 9)).toEqual({ room: 'wallet:u', expected: 7, received: 10, cause: 'reconnect' });
    // The seed answered the reconnect: the next message continues without another report.
    expect(t.observe('wallet:u', 10)).toBeNull();
  });
});
