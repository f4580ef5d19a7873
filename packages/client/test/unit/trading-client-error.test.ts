import { describe, expect, it } from 'vitest';
import { isTradingClientError, TradingClientError } from '../../src/trading-client-error.js';

describe('TradingClientError', () => {
  it('carries code, message and server details', () => {
    const e = TradingClientError.fromPayload(
      { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 250, details: [{ path: '/x', message: 'y' }] },
      { namespace: '/prices', event: 'subscribe' },
    );
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TradingClientError');
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.message).toBe('slow down');
    expect(e.retryAfterMs).toBe(250);
    expect(e.details).toEqual([{ path: '/x', message: 'y' }]);
    expect(e.namespace).toBe('/prices');
    expect(e.event).toBe('subscribe');
  });

  it('turns unknown codes and garbage into INTERNAL', () => {
    expect(TradingClientError.fromPayload({ code: 'NOPE', message: 'm' }).code).toBe('INTERNAL');
    expect(TradingClientError.fromPayload(null).code).toBe('INTERNAL');
    expect(TradingClientError.fromPayload('x').message).toBeTypeOf('string');
  });

  it('isTradingClientError narrows, optionally by code, and works across copies', () => {
    const e = new TradingClientError('TIMEOUT', 't');
    expect(isTradingClientError(e)).toBe(true);
    expect(isTradingClientError(e, 'TIMEOUT')).toBe(true);
    expect(isTradingClientError(e, 'CLOSED')).toBe(false);
    expect(isTradingClientError(new Error('x'))).toBe(false);
    expect(isTradingClientError({ name: 'TradingClientError', code: 'TIMEOUT' })).toBe(false);
    const foreign = Object.assign(new Error('x'), { name: 'TradingClientError', code: 'CLOSED' });
    expect(isTradingClientError(foreign, 'CLOSED')).toBe(true);
  });
});
