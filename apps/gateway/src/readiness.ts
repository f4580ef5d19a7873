export type ReadinessState = 'starting' | 'ready' | 'draining';

export interface ReadinessStatus {
  ready: boolean;
  state: ReadinessState;
  /** Why the node is not ready; absent when ready. */
  reason?: string;
}

/** A dependency check: `null` when healthy, otherwise the reason. */
export type ReadinessCheck = () => string | null;

/** Whether this node should receive traffic: its own lifecycle plus dependency checks (Redis). */
export class Readiness {
  private current: ReadinessState = 'starting';
  private readonly checks = new Map<string, ReadinessCheck>();

  get state(): ReadinessState {
    return this.current;
  }

  set(state: ReadinessState): void {
    // Draining is final: a late "ready" must not put a stopping node back into rotation.
    if (this.current === 'draining') return;
    this.current = state;
  }

  addCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  status(): ReadinessStatus {
    if (this.current !== 'ready') {
      return { ready: false, state: this.current, reason: this.current === 'starting' ? 'starting' : 'draining' };
    }
    for (const [name, check] of this.checks) {
      const problem = check();
      if (problem !== null) return { ready: false, state: this.current, reason: `${name}: ${problem}` };
    }
    return { ready: true, state: this.current };
  }
}
