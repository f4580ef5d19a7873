import { DEFAULT_SYMBOLS } from '@ws/protocol';
import { connected, request } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';

type Line = { level: string; obj: object; msg: string | undefined };

function recording(lines: Line[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as Logger;
}

describe('symbols when none are configured', () => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.close();
    ts = undefined;
  });

  it('the library knows the ten DEFAULT_SYMBOLS and says so at start', async () => {
    const lines: Line[] = [];
    ts = await startServer({ symbols: undefined, logger: recording(lines) });
    expect(ts.server.options.symbols).toEqual([...DEFAULT_SYMBOLS]);
    const client = ts.connect('/prices');
    await connected(client);
    expect(await request(client, 'subscribe', { symbols: ['BTC/USDT', 'DOT/USDT'] })).toMatchObject({ ok: true });
    expect(await request(client, 'subscribe', { symbols: ['PEPE/USDT'] })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_SYMBOL' },
    });
    await expect(
      ts.server.broadcast.broadcastPriceUpdate('BTC/USDT', { price: 1, bid: 1, ask: 1, volume: 1 }),
    ).resolves.toMatchObject({ symbol: 'BTC/USDT' });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/the 10 defaults \(DEFAULT_SYMBOLS\)/) }),
    );
  });

  it('an explicit empty list knows none and warns at start', async () => {
    const lines: Line[] = [];
    ts = await startServer({ symbols: [], logger: recording(lines) });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/no symbols configured/) }),
    );
  });
});
