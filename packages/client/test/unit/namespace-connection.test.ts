import { describe, expect, it } from 'vitest';
import { NAMESPACE_TRANSITIONS, type NamespaceState } from '../../src/namespace-connection.js';

describe('NAMESPACE_TRANSITIONS', () => {
  const states = Object.keys(NAMESPACE_TRANSITIONS) as NamespaceState[];

  it('closed is final and reachable from every other state', () => {
    expect(NAMESPACE_TRANSITIONS.closed).toEqual([]);
    for (const s of states) if (s !== 'closed') expect(NAMESPACE_TRANSITIONS[s]).toContain('closed');
  });

  it('only a connect attempt connects or is refused; a refused namespace waits to be asked again', () => {
    for (const s of states) {
      expect(NAMESPACE_TRANSITIONS[s].includes('connected'), s).toBe(s === 'connecting');
      expect(NAMESPACE_TRANSITIONS[s].includes('refused'), s).toBe(s === 'connecting');
    }
    expect(NAMESPACE_TRANSITIONS.refused).not.toContain('connected');
  });

  it('no state transitions to itself', () => {
    for (const s of states) expect(NAMESPACE_TRANSITIONS[s]).not.toContain(s);
  });
});
