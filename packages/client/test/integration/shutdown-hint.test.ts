import type { SystemMessage } from '@ws/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type StateChange, TradingClient } from '../../src/index.js';
import { type Gateway, signToken, startGateway, waitFor } from './gateway.js';

let gw: Gateway | undefined;
let client: TradingClient | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  client?.close();
  await gw?.close();
});

describe('a server shutdown seen by a client on several namespaces', () => {
  it('is one reconnect hint: one system.message, one delay honoured, then one reconnect', async () => {
    // Every socket gets its own jittered delay: with 5 s of jitter the namespaces' delays differ.
    gw = await startGateway({ shutdown: { deadlineMs: 2_000, reconnectJitterMs: 5_000 } });
    client = new TradingClient({
      url: gw.url,
      token: signToken({ userId: 'hint-user', role: 'user' }),
      timeout: 5_000,
      reconnectDelayMin: 10,
      reconnectDelayMax: 10,
      pingInterval: 0,
    });
    await client.subscribePrices(['BTC/USDT']);
    await client.subscribeMarket(['ticker'], ['BTC/USDT']);
    await client.connectUser();
    const hints: SystemMessage[] = [];
    const states: StateChange[] = [];
    client.on('system.message', (m) => {
      if (m.type === 'reconnect') hints.push(m);
    });
    client.on('state', (s) => states.push(s));
    const reconnected = waitFor<StateChange>(
      (l) => client!.on('state', l),
      (s) => s.state === 'connected',
      30_000,
    );

    // A busy node's clock moves between the namespaces' messages: each carries its own timestamp.
    const realNow = Date.now.bind(Date);
    let drift = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + drift++);
    await gw.restart();
    vi.restoreAllMocks();
    await reconnected;

    expect(hints).toHaveLength(1);
    const [hint] = hints;
    const reconnecting = states.filter((s) => s.state === 'reconnecting');
    expect(reconnecting).toHaveLength(1);
    // The attempt waited for the one announced delay (or the 10 ms backoff cap, if the hint was shorter).
    expect(reconnecting[0]!.retryInMs).toBeGreaterThanOrEqual(hint!.reconnectAfterMs ?? 0);
    expect(reconnecting[0]!.retryInMs).toBeLessThanOrEqual(Math.max(hint!.reconnectAfterMs ?? 0, 10));

    // The next shutdown is a new one: its hint is reported again.
    const again = waitFor<SystemMessage>(
      (l) => client!.on('system.message', l),
      (m) => m.type === 'reconnect',
      30_000,
    );
    await gw.restart();
    await again;
    expect(hints).toHaveLength(2);
  });
});
