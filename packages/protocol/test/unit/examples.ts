import type { AdminCommandName, PublishableEventName } from '@ws/protocol';

/** A valid payload for every client→server event, keyed like `inboundValidators`. */
export const inboundExamples = {
  common: {
    ping: { clientTime: 1_700_000_000_000 },
    'auth.refresh': { token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' },
  },
  '/prices': {
    subscribe: { symbols: ['BTC/USDT', 'ETH/USDT'] },
    unsubscribe: { symbols: ['BTC/USDT'] },
  },
  '/market': {
    subscribe: { channels: ['depth', 'trades'], symbols: ['BTC/USDT'] },
    unsubscribe: { channels: ['ticker'], symbols: ['ETH/BTC'] },
    'market.snapshot': { symbol: 'BTC/USDT' },
  },
  '/user': {},
  '/admin': {
    'admin.metrics': {},
    'admin.command': { command: 'connections.list', args: { limit: 10 } },
    'admin.broadcast': { type: 'maintenance', message: 'Maintenance at 02:00 UTC' },
  },
} as const;

/** Valid args for every admin command. */
export const adminCommandExamples: Record<AdminCommandName, Record<string, unknown>> = {
  'connections.list': { namespace: '/user', userId: 'user-1', limit: 50 },
  'connections.disconnect': { socketId: 'abc123' },
  'maintenance.enable': { message: 'Back in 10 minutes' },
  'maintenance.disable': {},
  'subscriptions.stats': {},
  'node.status': {},
  'nodes.list': {},
  'alerts.list': {},
};

const order = {
  orderId: 'o-1',
  clientOrderId: 'c-1',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  price: '50000.5',
  quantity: '0.25',
  filledQuantity: '0',
  status: 'new',
};
const position = {
  positionId: 'p-1',
  symbol: 'ETH/USDT',
  side: 'long',
  size: '2',
  entryPrice: '3000',
  markPrice: '3050.25',
  liquidationPrice: '2500',
  unrealizedPnl: '-100.5',
  margin: '600',
  leverage: '5',
};

/** A valid publisher `input` for every publishable event (decimals mixed as strings and numbers). */
export const publishInputExamples: Record<PublishableEventName, Record<string, unknown>> = {
  'price.update': { symbol: 'BTC/USDT', price: '50000.12', bid: 50000.1, ask: '50000.2', volume: '1234.5' },
  'price.trade': { symbol: 'BTC/USDT', tradeId: 't-1', price: 50000, quantity: '0.01', side: 'sell' },
  'market.stats': {
    symbol: 'BTC/USDT',
    open: '49000',
    high: '51000',
    low: '48000',
    last: '50000',
    volume: '100',
    quoteVolume: '5000000',
    change: '1000',
    changePercent: 2.04,
  },
  'market.ticker': { symbol: 'BTC/USDT', bid: '49999.9', ask: '50000.1', last: 50000, timestamp: 1_700_000_000_000 },
  'market.trades': {
    symbol: 'BTC/USDT',
    trades: [{ tradeId: 't-2', price: '50000', quantity: 0.5, side: 'buy' }],
  },
  'market.depth': {
    symbol: 'BTC/USDT',
    type: 'snapshot',
    bids: [
      ['50000', '1.5'],
      [49999.5, 2],
    ],
    asks: [['50001', '0.75']],
  },
  'order.new': order,
  'order.update': { ...order, status: 'partially_filled', filledQuantity: 0.1, averagePrice: '50000.5' },
  'order.filled': { ...order, status: 'filled', filledQuantity: '0.25' },
  'order.cancelled': { ...order, status: 'cancelled' },
  'position.update': position,
  'position.liquidated': { ...position, size: 0 },
  'wallet.update': { asset: 'USDT', available: '1000.5', locked: 200, total: '1200.5' },
  'margin.call': {
    positionId: 'p-1',
    symbol: 'ETH/USDT',
    marginRatio: '0.95',
    maintenanceMargin: 0.5,
    message: 'Add margin',
  },
  'system.message': { type: 'info', message: 'Hello' },
};

const t = 1_700_000_000_000;

/** A valid wire payload for every publishable event. */
export const wireExamples: Record<PublishableEventName, Record<string, unknown>> = {
  'price.update': {
    symbol: 'BTC/USDT',
    price: '50000.12',
    bid: '50000.1',
    ask: '50000.2',
    volume: '1234.5',
    timestamp: t,
    seq: 1,
  },
  'price.trade': {
    symbol: 'BTC/USDT',
    tradeId: 't-1',
    price: '50000',
    quantity: '0.01',
    side: 'sell',
    timestamp: t,
    seq: 2,
  },
  'market.stats': {
    symbol: 'BTC/USDT',
    open: '49000',
    high: '51000',
    low: '48000',
    last: '50000',
    volume: '100',
    quoteVolume: '5000000',
    change: '1000',
    changePercent: '2.04',
    timestamp: t,
    seq: 1,
  },
  'market.ticker': { symbol: 'BTC/USDT', bid: '49999.9', ask: '50000.1', last: '50000', timestamp: t, seq: 7 },
  'market.trades': {
    symbol: 'BTC/USDT',
    trades: [{ tradeId: 't-2', price: '50000', quantity: '0.5', side: 'buy', timestamp: t }],
    seq: 3,
  },
  'market.depth': {
    symbol: 'BTC/USDT',
    type: 'delta',
    bids: [['50000', '0']],
    asks: [['50001', '0.75']],
    seq: 5,
    prevSeq: 4,
    checksum: 123456789,
    timestamp: t,
  },
  'order.new': { ...order, timestamp: t, seq: 1 },
  'order.update': {
    ...order,
    status: 'partially_filled',
    filledQuantity: '0.1',
    averagePrice: '50000.5',
    timestamp: t,
    seq: 2,
  },
  'order.filled': { ...order, status: 'filled', filledQuantity: '0.25', timestamp: t, seq: 3 },
  'order.cancelled': { ...order, status: 'cancelled', timestamp: t, seq: 4 },
  'position.update': { ...position, timestamp: t, seq: 1 },
  'position.liquidated': { ...position, size: '0', timestamp: t, seq: 2 },
  'wallet.update': { asset: 'USDT', available: '1000.5', locked: '200', total: '1200.5', timestamp: t, seq: 1 },
  'margin.call': { marginRatio: '0.95', maintenanceMargin: '0.5', message: 'Add margin', timestamp: t, seq: 1 },
  'system.message': { type: 'reconnect', message: 'Node draining', timestamp: t, reconnectAfterMs: 5000 },
};
