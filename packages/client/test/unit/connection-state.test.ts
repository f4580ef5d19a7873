import { describe, expect, it } from 'vitest';
import { ConnectionStateMachine } from '../../src/connection-state.js';

describe('ConnectionStateMachine', () => {
  it('starts disconnected and carries { state, previous, code, reason } on each transition', () => {
    const m = new ConnectionStateMachine();
    expect(m.current).toBe('disconnected');
    expect(m.transition('connecting', null, 'first use')).toEqual({
      state: 'connecting',
      previous: 'disconnected',
      code: null,
      reason: 'first use',
    });
    expect(m.transition('connected', null, 'connected')?.previous).toBe('connecting');
    expect(m.transition('reconnecting', 'DISCONNECTED', 'transport close')).toEqual({
      state: 'reconnecting',
      previous: 'connected',
      code: 'DISCONNECTED',
      reason: 'transport close',
    });
    expect(m.transition('disconnected', 'UNAUTHORIZED', 'token expired')?.code).toBe('UNAUTHORIZED');
  });

  it('ignores transitions the table does not allow', () => {
    const m = new ConnectionStateMachine();
    expect(m.transition('connected', null, 'x')).toBeNull();
    expect(m.transition('reconnecting', null, 'x')).toBeNull();
    expect(m.transition('disconnected', null, 'same')).toBeNull();
    expect(m.current).toBe('disconnected');
  });

  it('closed is final', () => {
    const m = new ConnectionStateMachine();
    expect(m.transition('closed', 'CLOSED', 'bye')?.state).toBe('closed');
    for (const next of ['disconnected', 'connecting', 'connected', 'reconnecting'] as const) {
      expect(m.transition(next, null, 'x')).toBeNull();
    }
    expect(m.current).toBe('closed');
  });
});
