/**
 * `pnpm ws:example`: connects to a running gateway (WS_URL, default http://localhost:3000), streams
 * BTC/USDT and ETH/USDT prices and the BTC/USDT book, shows typed error handling, and exits cleanly
 * after EXAMPLE_DURATION seconds (default 20) or on Ctrl-C.
 */
// In an app: import { isTradingClientError, TradingClient } from '@ws/client';
import { isTradingClientError, TradingClient } from '@ws/client';

const url = process.env.WS_URL ?? 'http://localhost:3000';
const durationSec = Number(process.env.EXAMPLE_DURATION ?? 20);

const client = new TradingClient({ url, token: process.env.WS_TOKEN });

client.on('state', ({ state, previous, code, reason }) =>
  console.log(`[state] ${previous} -> ${state}${code ? ` (${code}: ${reason})` : ''}`),
);
client.on('error', (e) => console.error(`[error] ${e.code}: ${e.message}`));
client.on('gap', (g) => console.warn(`[gap] ${g.room}: expected seq ${g.expected}, got ${g.received}`));
client.on('resync', (r) => console.warn(`[resync] ${r.symbol} book rebuilt (${r.reason})`));
client.on('system.message', (m) => console.log(`[system] ${m.type}: ${m.message}`));
client.on('price:BTC/USDT', (p) => console.log(`BTC price ${p.price} (bid ${p.bid} / ask ${p.ask})`));
client.on('price:ETH/USDT', (p) => console.log(`ETH price ${p.price}`));

let stopping = false;
function stop(why: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`stopping: ${why}`);
  clearTimeout(timer);
  client.close(); // releases every socket and timer: the process exits by itself
}
const timer = setTimeout(() => stop(`${durationSec}s elapsed`), durationSec * 1000);
process.once('SIGINT', () => stop('Ctrl-C'));

try {
  const symbols = await client.subscribePrices(['BTC/USDT', 'ETH/USDT']);
  console.log(`subscribed to prices of ${symbols.join(', ')}`);

  const book = await client.subscribeOrderBook('BTC/USDT');
  book.on('update', () => {
    const [bid] = book.levels('bids', 1);
    const [ask] = book.levels('asks', 1);
    if (bid && ask) console.log(`BTC book: ${bid[1]} @ ${bid[0]}  |  ${ask[1]} @ ${ask[0]}`);
  });

  // Error handling: every failure is a TradingClientError with a protocol (or client) code.
  try {
    await client.subscribePrices(['NOPE/USDT']);
  } catch (error) {
    if (isTradingClientError(error, 'UNKNOWN_SYMBOL')) console.log(`as expected, refused: ${error.message}`);
    else throw error;
  }

  const { rtt, offset } = await client.ping();
  console.log(`ping ${rtt.toFixed(1)} ms, server clock offset ${offset.toFixed(0)} ms`);
} catch (error) {
  if (isTradingClientError(error)) console.error(`failed: ${error.code}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
  stop('error');
}
