import { describe, expect, it } from 'vitest';
import { MemorySequenceStore } from '../../src/state/sequence-store.js';
import { MemorySnapshotStore } from '../../src/state/snapshot-store.js';

describe('MemorySequenceStore', () => {
  it('starts at 1 and increases by exactly one per room, independently per room', () => {
    const store = new MemorySequenceStore();
    expect(store.current('prices:BTC/USDT')).toBe(0);
    expect([store.next('prices:BTC/USDT'), store.next('prices:BTC/USDT'), store.next('prices:ETH/USDT')]).toEqual([
      1, 2, 1,
    ]);
    expect(store.current('prices:BTC/USDT')).toBe(2);
    expect(store.current('prices:ETH/USDT')).toBe(1);
  });
});

describe('MemorySnapshotStore', () => {
  it('keeps the latest message per room', () => {
    const store = new MemorySnapshotStore();
    store.set('r', { event: 'e', payload: { seq: 1 } });
    store.set('r', { event: 'e', payload: { seq: 2 } });
    expect(store.get('r')).toEqual({ event: 'e', payload: { seq: 2 } });
    store.delete('r');
    expect(store.get('r')).toBeUndefined();
  });
});
