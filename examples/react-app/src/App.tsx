import { useConnectionState, useOrderBook, usePrice, useTicker, useTrades, useUserStream } from '@ws/react';

const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const BOOK = 'BTC/USDT';

const box = { border: '1px solid #ccc', borderRadius: 6, padding: 12, minWidth: 260 } as const;
const mono = { fontFamily: 'ui-monospace, monospace', fontSize: 13 } as const;

function PriceRow({ symbol }: { symbol: string }) {
  const price = usePrice(symbol);
  return (
    <tr>
      <td>{symbol}</td>
      <td data-testid={`price-${symbol}`} style={mono}>
        {price?.price ?? '…'}
      </td>
      <td style={mono}>{price ? `${price.bid} / ${price.ask}` : ''}</td>
    </tr>
  );
}

function OrderBook({ symbol }: { symbol: string }) {
  const book = useOrderBook(symbol, { depth: 8 });
  const ticker = useTicker(symbol);
  const trades = useTrades(symbol, { limit: 5 });
  return (
    <section style={box}>
      <h2>
        {symbol} book {book.synced ? <small data-testid="book-seq">seq {book.seq}</small> : <small>syncing…</small>}
      </h2>
      <table style={mono}>
        <tbody data-testid="book-asks">
          {[...book.asks].reverse().map(([price, qty]) => (
            <tr key={`a${price}`} style={{ color: '#b00' }}>
              <td>{price}</td>
              <td>{qty}</td>
            </tr>
          ))}
        </tbody>
        <tbody data-testid="book-bids">
          {book.bids.map(([price, qty]) => (
            <tr key={`b${price}`} style={{ color: '#070' }}>
              <td>{price}</td>
              <td>{qty}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p style={mono}>last {ticker?.last ?? '…'}</p>
      <ul style={mono} data-testid="trades">
        {trades.map((t) => (
          <li key={t.tradeId}>
            {t.side} {t.quantity} @ {t.price}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Orders({ user }: { user: string }) {
  const { orders, wallet } = useUserStream();
  return (
    <section style={box}>
      <h2>Orders of {user}</h2>
      <table style={mono}>
        <tbody data-testid="orders">
          {orders.slice(0, 10).map((o) => (
            <tr key={o.orderId}>
              <td>{o.symbol}</td>
              <td>{o.side}</td>
              <td>
                {o.filledQuantity}/{o.quantity} @ {o.price}
              </td>
              <td>{o.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p style={mono} data-testid="wallet">
        {wallet.map((w) => `${w.asset} ${w.available} available`).join(' · ')}
      </p>
    </section>
  );
}

export function App({ user }: { user: string | undefined }) {
  const state = useConnectionState();
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 16 }}>
      <h1>
        Trading screen <small data-testid="state">{state}</small>
      </h1>
      <div style={{ display: 'flex', gap: 16, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <section style={box}>
          <h2>Prices</h2>
          <table>
            <tbody>
              {SYMBOLS.map((s) => (
                <PriceRow key={s} symbol={s} />
              ))}
            </tbody>
          </table>
        </section>
        <OrderBook symbol={BOOK} />
        {user ? <Orders user={user} /> : <p>No token: start the gateway in development mode for a user's orders.</p>}
      </div>
    </main>
  );
}
