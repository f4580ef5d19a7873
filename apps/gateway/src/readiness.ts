export type ReadinessState = 'starting' | 'ready' | 'draining';

export interface ReadinessStatus {
  /** Whether the node should receive traffic (`/readyz` 200). */
  ready: boolean;
  state: ReadinessState;
  /** Ready, but a dependency that is not required for readiness is failing (`/readyz` 200 `degraded`). */
  degraded?: true;
  /** Why the node is not ready or degraded; absent when all is well. */
  reason?: string;
}

/** A dependency check: `null` when healthy, otherwise the reason. */
export type ReadinessCheck = () => string | null;

export interface ReadinessCheckOptions {
  /**
   * A failing required check takes the node out of rotation (503); a failing optional one only marks it
   * degraded (200), for a dependency whose outage hits every node at once and that the node can serve without.
   */
  required: boolean;
}

/** Whether this node should receive traffic: its own lifecycle plus dependency checks (Redis). */
export class Readiness {
  private current: ReadinessState = 'starting';
  private readonly checks = new Map<string, { check: ReadinessCheck; required: boolean }>();

  get state(): ReadinessState {
    return this.current;
  }

  set(state: ReadinessState): void {
    // Draining is final: a late "ready" must not put a stopping node back into rotation.
    if (this.current === 'draining') return;
    this.current = state;
  }

  addCheck(name: string, check: ReadinessCheck, options: ReadinessCheckOptions = { required: true }): void {
    this.checks.set(name, { check, required: options.required });
  }

  status(): ReadinessStatus {
    if (this.current !== 'ready') {
      return { ready: false, state: this.current, reason: this.current === 'starting' ? 'starting' : 'draining' };
    }
    let degraded: string | undefined;
    for (const [name, { check, required }] of this.checks) {
      const problem = check();
      if (problem === null) continue;
      if (required) return { ready: false, state: this.current, reason: `${name}: ${problem}` };
      degraded ??= `${name}: ${problem}`;
    }
    if (degraded !== undefined) return { ready: true, state: this.current, degraded: true, reason: degraded };
    return { ready: true, state: this.current };
  }
}
