import { describe, expect, it } from 'vitest';
import { type Refusal, RefusalLog } from '../../src/admission/refusal-log.js';
import type { Logger } from '../../src/logger.js';
import { WsConfigError } from '../../src/ws-config-error.js';

function recorder(): { logger: Logger; lines: (Record<string, unknown> & { msg?: string })[] } {
  const lines: (Record<string, unknown> & { msg?: string })[] = [];
  const write = (obj: object, msg?: string) => lines.push({ ...obj, msg });
  return { logger: { debug: write, info: write, warn: write, error: write }, lines };
}

const refusal = (code: Refusal['code']): Refusal => ({
  code,
  namespace: '/prices',
  ip: '203.0.113.9',
  userId: null,
  reason: 'no',
});

describe('RefusalLog', () => {
  it('writes a burst per code, then holds lines back and reports them as suppressed on the next line', () => {
    let now = 0;
    const { logger, lines } = recorder();
    const log = new RefusalLog(logger, { burst: 3, perSecond: 1, now: () => now });
    for (let i = 0; i < 10; i++) log.connection(refusal('UNAUTHORIZED'));
    // Another code has its own budget.
    log.connection(refusal('FORBIDDEN'));
    expect(lines.filter((l) => l['code'] === 'UNAUTHORIZED')).toHaveLength(3);
    expect(lines.filter((l) => l['code'] === 'FORBIDDEN')).toHaveLength(1);
    expect(lines[0]).toEqual({
      code: 'UNAUTHORIZED',
      namespace: '/prices',
      ip: '203.0.113.9',
      userId: null,
      reason: 'no',
      msg: 'connection refused',
    });
    now += 1000; // one line's worth of budget
    log.connection(refusal('UNAUTHORIZED'));
    log.connection(refusal('UNAUTHORIZED'));
    expect(lines.at(-1)).toMatchObject({ code: 'UNAUTHORIZED', suppressed: 7 });
    log.flush();
    expect(lines.at(-1)).toEqual({ code: 'UNAUTHORIZED', suppressed: 1, msg: 'connection refused (suppressed lines)' });
    log.flush();
    expect(lines).toHaveLength(6);
    log.close();
  });

  it('keeps requests and connections apart and refuses a budget that could never write', () => {
    const { logger, lines } = recorder();
    const log = new RefusalLog(logger, { burst: 1 });
    log.connection(refusal('RATE_LIMITED'));
    log.request({ ...refusal('RATE_LIMITED'), event: 'ping' });
    expect(lines.map((l) => l.msg)).toEqual(['connection refused', 'request refused']);
    expect(lines[1]).toMatchObject({ event: 'ping' });
    expect(() => new RefusalLog(logger, { burst: 0 })).toThrow(WsConfigError);
    expect(() => new RefusalLog(logger, { perSecond: 0 })).toThrow(WsConfigError);
    log.close();
  });
});
