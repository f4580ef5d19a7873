/**
 * The private `/user` stream: orders, positions, wallet and margin calls of the token's user.
 * WS_TOKEN=<a user JWT, e.g. from `pnpm admin token`> tsx --conditions=@ws/source examples/user.ts
 */
// In an app: import { isTradingClientError, TradingClient } from '@ws/client';
import { isTradingClientError, TradingClient } from '@ws/client';

const token = process.env.WS_TOKEN;
if (!token) {
  console.error('set WS_TOKEN to a user JWT of the gateway');
  process.exit(2);
}
const durationSec = Number(process.env.EXAMPLE_DURATION ?? 20);
const client = new TradingClient({
  url: process.env.WS_URL ?? 'http://localhost:3000',
  token,
  // A real app fetches a fresh token from its backend here.
  onTokenExpiring: async (remainingMs) => {
    console.warn(`token expires in ${Math.round(remainingMs / 1000)} s; no refresh source in this example`);
    return token;
  },
});

client.on('error', (e) => console.error(`[error] ${e.code}: ${e.message}`));
client.on('recovery', (r) => console.log(`[recovery] ${r.namespace} recovered missed events: ${r.recovered}`));
client.on('order.new', (o) => console.log(`new order ${o.orderId} ${o.side} ${o.quantity} ${o.symbol} @ ${o.price}`));
client.on('order.filled', (o) =>
  console.log(`filled ${o.orderId}: ${o.filledQuantity} @ ${o.averagePrice ?? o.price}`),
);
client.on('order.cancelled', (o) => console.log(`cancelled ${o.orderId}`));
client.on('position.update', (p) => console.log(`position ${p.symbol} ${p.side} ${p.size}, PnL ${p.unrealizedPnl}`));
client.on('wallet.update', (w) => console.log(`wallet ${w.asset}: ${w.available} available, ${w.locked} locked`));
client.on('margin.call', (m) => console.warn(`MARGIN CALL ${m.symbol ?? ''} ratio ${m.marginRatio}: ${m.message}`));

const stop = () => {
  clearTimeout(timer);
  client.close();
};
const timer = setTimeout(stop, durationSec * 1000);
process.once('SIGINT', stop);

try {
  const auth = await client.connectUser();
  console.log(`connected to /user as ${auth.userId} (${auth.role})`);
} catch (error) {
  if (isTradingClientError(error, 'UNAUTHORIZED')) console.error(`token refused: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
  stop();
}
