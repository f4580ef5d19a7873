import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { TradingClient } from '@ws/client';
// Relative: the bindings do not depend on the server, only their tests use a real one.
import { signToken } from '@ws/test-support';
import { startServer, type TestServer } from '@ws/test-support/server';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  TradingClientProvider,
  useConnectionState,
  useOrderBook,
  usePrice,
  useTicker,
  useTrades,
  useUserStream,
} from '../../src/index.js';

const BTC = 'BTC/USDT';
let gw: TestServer;
let client: TradingClient;

beforeEach(async () => {
  gw = await startServer({ rateLimit: false });
});

afterEach(async () => {
  cleanup();
  client?.close();
  await gw.close();
});

function makeClient(token?: string) {
  client = new TradingClient({ url: gw.url, token, timeout: 5_000, pingInterval: 0, reconnectDelayMin: 20 });
  return client;
}

function Price({ id }: { id: string }) {
  const p = usePrice(BTC);
  return <span data-testid={id}>{p?.price ?? '-'}</span>;
}

function Connection() {
  return <span data-testid="state">{useConnectionState()}</span>;
}

function App({ both }: { both: boolean }) {
  return (
    <TradingClientProvider client={client}>
      <Price id="a" />
      {both ? <Price id="b" /> : null}
    </TradingClientProvider>
  );
}

function Market() {
  const ticker = useTicker(BTC);
  const trades = useTrades(BTC, { limit: 2 });
  const book = useOrderBook(BTC, { depth: 2 });
  return (
    <>
      <span data-testid="ticker">{ticker?.last ?? '-'}</span>
      <span data-testid="trades">{trades.map((t) => t.tradeId).join(',')}</span>
      <span data-testid="book">
        {book.synced
          ? `${book.bids.map((l) => l.join('x')).join(' ')} | ${book.asks.map((l) => l.join('x')).join(' ')}`
          : 'syncing'}
      </span>
    </>
  );
}

function Orders() {
  const { orders, wallet } = useUserStream();
  return (
    <>
      <span data-testid="orders">{orders.map((o) => `${o.orderId}:${o.status}`).join(',')}</span>
      <span data-testid="wallet">{wallet.map((w) => `${w.asset}=${w.total}`).join(',')}</span>
    </>
  );
}

/** Resolves once `fn` has been called `n` times (each call is one request the hub sent). */
const calls = (fn: { mock: { calls: unknown[] } }, n: number) =>
  vi.waitFor(() => expect(fn.mock.calls).toHaveLength(n));

describe('@ws/react hooks against a real gateway', () => {
  it('under StrictMode, components reading one stream share one subscription, released after the last unmount', async () => {
    makeClient();
    const subscribe = vi.spyOn(client, 'subscribePrices');
    const unsubscribe = vi.spyOn(client, 'unsubscribePrices');
    const onError = vi.fn();
    const view = render(
      <StrictMode>
        <TradingClientProvider client={client} onError={onError}>
          <Price id="a" />
          <Price id="b" />
          <Connection />
        </TradingClientProvider>
      </StrictMode>,
    );
    await calls(subscribe, 1);
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('connected'));
    // Publish until the subscription (acked, then joined) delivers.
    let n = 100;
    await vi.waitFor(
      async () => {
        await gw.server.broadcastPriceUpdate(BTC, { price: n++, bid: 1, ask: 2, volume: 1 });
        expect(screen.getByTestId('a').textContent).not.toBe('-');
      },
      { timeout: 10_000, interval: 50 },
    );
    await act(() => gw.server.broadcastPriceUpdate(BTC, { price: 5000, bid: 1, ask: 2, volume: 1 }));
    await waitFor(() => expect(screen.getByTestId('a').textContent).toBe('5000'));
    expect(screen.getByTestId('b').textContent).toBe('5000');
    // StrictMode mounted every effect twice: still one subscribe, and no unsubscribe in between.
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(unsubscribe).not.toHaveBeenCalled();
    expect(client.subscriptions().prices).toEqual([BTC]);

    view.unmount();
    await calls(unsubscribe, 1);
    expect(unsubscribe).toHaveBeenCalledWith([BTC]);
    await vi.waitFor(() => expect(client.subscriptions().prices).toEqual([]));
    expect(onError).not.toHaveBeenCalled();
  });

  it('keeps the subscription while one reader remains, then releases it', async () => {
    makeClient();
    const unsubscribe = vi.spyOn(client, 'unsubscribePrices');
    const view = render(<App both />);
    await vi.waitFor(() => expect(client.subscriptions().prices).toEqual([BTC]));
    view.rerender(<App both={false} />);
    await act(async () => {});
    expect(unsubscribe).not.toHaveBeenCalled();
    view.unmount();
    await calls(unsubscribe, 1);
  });

  it('useTicker, useTrades with a limit, and a verified useOrderBook with a depth', async () => {
    makeClient();
    await gw.server.broadcast.broadcastDepth({
      symbol: BTC,
      type: 'snapshot',
      bids: [
        ['100', '1'],
        ['99', '2'],
        ['98', '3'],
      ],
      asks: [
        ['101', '1'],
        ['102', '2'],
      ],
    });
    render(
      <StrictMode>
        <TradingClientProvider client={client}>
          <Market />
        </TradingClientProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId('book').textContent).toBe('100x1 99x2 | 101x1 102x2'), {
      timeout: 10_000,
    });
    await act(() => gw.server.broadcast.broadcastDepth({ symbol: BTC, type: 'delta', bids: [['100', '0']], asks: [] }));
    await waitFor(() => expect(screen.getByTestId('book').textContent).toBe('99x2 98x3 | 101x1 102x2'));

    await vi.waitFor(() => expect(client.subscriptions().market.length).toBe(2));
    await act(() => gw.server.broadcast.broadcastTicker({ symbol: BTC, bid: 1, ask: 2, last: 1.5 }));
    await waitFor(() => expect(screen.getByTestId('ticker').textContent).toBe('1.5'));
    const trade = (id: string) => ({ tradeId: id, price: 1, quantity: 1, side: 'buy' as const });
    await act(() => gw.server.broadcast.broadcastMarketTrades({ symbol: BTC, trades: [trade('t1'), trade('t2')] }));
    await act(() => gw.server.broadcast.broadcastMarketTrades({ symbol: BTC, trades: [trade('t3')] }));
    await waitFor(() => expect(screen.getByTestId('trades').textContent).toBe('t3,t2'));
  });

  it("useUserStream: the signed-in user's orders, latest state per order", async () => {
    makeClient(signToken({ userId: 'ann', role: 'user' }));
    render(
      <StrictMode>
        <TradingClientProvider client={client}>
          <Orders />
        </TradingClientProvider>
      </StrictMode>,
    );
    await vi.waitFor(() => expect(client.state).toBe('connected'), { timeout: 10_000 });
    await client.connectUser();
    const order = (orderId: string, status: 'new' | 'filled') => ({
      orderId,
      symbol: BTC,
      side: 'buy' as const,
      type: 'limit' as const,
      price: 100,
      quantity: 1,
      filledQuantity: status === 'filled' ? 1 : 0,
      status,
    });
    await act(() => gw.server.broadcast.broadcastOrderUpdate('ann', order('o1', 'new'), 'order.new'));
    await act(() => gw.server.broadcast.broadcastOrderUpdate('ann', order('o2', 'new'), 'order.new'));
    await act(() => gw.server.broadcast.broadcastOrderUpdate('ann', order('o1', 'filled'), 'order.filled'));
    await act(() =>
      gw.server.broadcast.broadcastWalletUpdate('ann', { asset: 'USDT', available: 5, locked: 0, total: 5 }),
    );
    await waitFor(() => expect(screen.getByTestId('orders').textContent).toBe('o1:filled,o2:new'));
    await waitFor(() => expect(screen.getByTestId('wallet').textContent).toBe('USDT=5'));
  });
});
