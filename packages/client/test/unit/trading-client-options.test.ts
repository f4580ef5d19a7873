import { describe, expect, it } from 'vitest';
import { pollingManager } from '../../src/polling.js';
import { resolveOptions } from '../../src/trading-client-options.js';

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveOptions({ url: 'http://x' })).toEqual({
      url: 'http://x',
      timeout: 10_000,
      reconnectDelayMin: 500,
      reconnectDelayMax: 30_000,
      pingInterval: 15_000,
      tokenRefreshLeadMs: 60_000,
    });
  });

  it('rejects a missing url and negative or non-finite numbers', () => {
    expect(() => resolveOptions({ url: '' })).toThrow(/url/);
    expect(() => resolveOptions({ url: 'http://x', timeout: -1 })).toThrow(/timeout/);
    expect(() => resolveOptions({ url: 'http://x', pingInterval: Number.NaN })).toThrow(/pingInterval/);
  });

  it('keeps max >= min', () => {
    expect(resolveOptions({ url: 'http://x', reconnectDelayMin: 1000, reconnectDelayMax: 10 }).reconnectDelayMax).toBe(
      1000,
    );
  });

  it('long-polling needs the polling manager: the WebSocket-only default refuses other transports by name', () => {
    expect(() => resolveOptions({ url: 'http://x', socketOptions: { transports: ['polling', 'websocket'] } })).toThrow(
      /socketOptions\.transports.*@ws\/client\/polling/,
    );
    expect(() => resolveOptions({ url: 'http://x', socketOptions: { transports: ['websocket'] } })).not.toThrow();
    expect(() =>
      resolveOptions({ url: 'http://x', manager: pollingManager, socketOptions: { transports: ['polling'] } }),
    ).not.toThrow();
  });
});
