import { describe, expect, it } from 'vitest';
import { AdminAlerts } from '../../src/admin/admin-alerts.js';

describe('AdminAlerts', () => {
  it('fires once when crossing up, once when recovering, never while staying on one side', () => {
    const alerts = new AdminAlerts({ errorRatePerSec: 5, eventLoopLagMs: 100, connections: 10 });
    const ok = { errorRatePerSec: 0, eventLoopLagMs: 1, connections: 1 };
    expect(alerts.check(ok)).toEqual([]);
    const high = alerts.check({ ...ok, eventLoopLagMs: 250 }, 42);
    expect(high).toEqual([
      expect.objectContaining({
        level: 'warning',
        metric: 'eventLoopLagMs',
        value: 250,
        threshold: 100,
        timestamp: 42,
      }),
    ]);
    expect(alerts.check({ ...ok, eventLoopLagMs: 300 })).toEqual([]);
    expect(alerts.active()).toEqual([high[0]]);
    expect(alerts.check({ ...ok, connections: 11 })).toEqual([
      expect.objectContaining({ level: 'info', metric: 'eventLoopLagMs' }),
      expect.objectContaining({ level: 'warning', metric: 'connections' }),
    ]);
    expect(alerts.active()).toEqual([expect.objectContaining({ level: 'warning', metric: 'connections', value: 11 })]);
  });

  it('names the node in every alert it is given', () => {
    const alerts = new AdminAlerts({ errorRatePerSec: 5, eventLoopLagMs: 100, connections: 0 }, 'gw-7');
    const [fired] = alerts.check({ errorRatePerSec: 0, eventLoopLagMs: 1, connections: 1 }, 5);
    expect(fired).toMatchObject({ nodeId: 'gw-7', metric: 'connections', timestamp: 5 });
    expect(alerts.active()).toEqual([fired]);
  });
});
