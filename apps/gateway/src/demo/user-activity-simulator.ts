import { toDecimalString } from '@ws/protocol';
import type { GatewayLogger } from '../logger.js';
import { settle, type UserBroadcastPort } from './broadcast-port.js';
import type { Quote } from './market-simulator.js';
import { between, chance, pick } from './random.js';

const QUOTE_ASSET = 'USDT';
const MAX_OPEN_ORDERS = 3;
const LEVERAGE = 10;

type OrderStatus = 'new' | 'partially_filled' | 'filled' | 'cancelled';

interface DemoOrder {
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  quantity: number;
  filled: number;
  status: OrderStatus;
  decimals: number;
}

interface DemoPosition {
  positionId: string;
  symbol: string;
  /** Signed: positive long, negative short. */
  size: number;
  entry: number;
  decimals: number;
}

interface Balance {
  available: number;
  locked: number;
}

interface DemoUser {
  orders: Map<string, DemoOrder>;
  positions: Map<string, DemoPosition>;
  wallet: Map<string, Balance>;
}

export interface UserActivitySimulatorOptions {
  symbols: readonly string[];
  /** Milliseconds between activity steps for each connected user. */
  intervalMs: number;
  broadcast: UserBroadcastPort;
  /** User ids currently connected to `/user` (on this node). */
  activeUsers: () => Iterable<string>;
  quote: (symbol: string) => Quote | undefined;
  logger: GatewayLogger;
  /** Prefix of order and position ids, unique per node. */
  idPrefix: string;
}

const qty = (n: number) => toDecimalString(Math.max(0, n).toFixed(6));
const money = (n: number, decimals = 8) => toDecimalString(n.toFixed(decimals));

/**
 * Simulated private activity for every user connected to `/user`: orders that go
 * new → partially filled → filled (or cancelled), the resulting positions and wallet changes,
 * and an occasional margin call. State is forgotten when the user disconnects.
 */
export class UserActivitySimulator {
  private readonly users = new Map<string, DemoUser>();
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private failures = 0;

  constructor(private readonly options: UserActivitySimulatorOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.users.clear();
  }

  tick(): void {
    const active = new Set(this.options.activeUsers());
    for (const userId of this.users.keys()) if (!active.has(userId)) this.users.delete(userId);
    for (const userId of active) {
      let user = this.users.get(userId);
      if (!user) {
        user = {
          orders: new Map(),
          positions: new Map(),
          wallet: new Map([[QUOTE_ASSET, { available: 10_000, locked: 0 }]]),
        };
        this.users.set(userId, user);
        this.sendWallet(userId, user, QUOTE_ASSET);
      }
      this.step(userId, user);
    }
  }

  private nextId(kind: string): string {
    return `${this.options.idPrefix}-${kind}-${++this.counter}`;
  }

  private step(userId: string, user: DemoUser): void {
    for (const order of [...user.orders.values()]) this.advance(userId, user, order);
    if (user.orders.size < MAX_OPEN_ORDERS && chance(0.4)) this.place(userId, user);
    for (const position of user.positions.values()) {
      if (chance(0.3)) this.sendPosition(userId, position);
    }
    const open = [...user.positions.values()];
    if (open.length > 0 && chance(0.02)) {
      const position = pick(open);
      this.send(() =>
        this.options.broadcast.broadcastMarginCall(userId, {
          positionId: position.positionId,
          symbol: position.symbol,
          marginRatio: money(between(0.8, 0.95), 4),
          maintenanceMargin: money(Math.abs(position.size * position.entry) * 0.005, 2),
          message: `Margin ratio of your ${position.symbol} position is close to liquidation (demo)`,
          timestamp: Date.now(),
        }),
      );
    }
  }

  private place(userId: string, user: DemoUser): void {
    const symbol = pick(this.options.symbols);
    const quote = this.options.quote(symbol);
    if (!quote) return;
    const base = symbol.split('/')[0] ?? symbol;
    const baseBalance = user.wallet.get(base);
    const quantity = Number((between(50, 400) / quote.last).toPrecision(3));
    const side: 'buy' | 'sell' = baseBalance && baseBalance.available >= quantity && chance(0.5) ? 'sell' : 'buy';
    const price = side === 'buy' ? quote.bid : quote.ask;
    const cash = this.balance(user, side === 'buy' ? QUOTE_ASSET : base);
    const cost = side === 'buy' ? price * quantity : quantity;
    if (cash.available < cost) return;
    cash.available -= cost;
    cash.locked += cost;
    const order: DemoOrder = {
      orderId: this.nextId('ord'),
      symbol,
      side,
      price,
      quantity,
      filled: 0,
      status: 'new',
      decimals: quote.decimals,
    };
    user.orders.set(order.orderId, order);
    this.sendOrder(userId, order);
    this.sendWallet(userId, user, side === 'buy' ? QUOTE_ASSET : base);
  }

  private advance(userId: string, user: DemoUser, order: DemoOrder): void {
    if (chance(0.5)) return;
    const base = order.symbol.split('/')[0] ?? order.symbol;
    if (chance(0.15)) {
      order.status = 'cancelled';
      const remaining = order.quantity - order.filled;
      const lockedAsset = order.side === 'buy' ? QUOTE_ASSET : base;
      const release = order.side === 'buy' ? remaining * order.price : remaining;
      const balance = this.balance(user, lockedAsset);
      balance.locked = Math.max(0, balance.locked - release);
      balance.available += release;
      user.orders.delete(order.orderId);
      this.sendOrder(userId, order);
      this.sendWallet(userId, user, lockedAsset);
      return;
    }
    const fill =
      order.status === 'new' && chance(0.7) ? order.quantity * between(0.2, 0.7) : order.quantity - order.filled;
    order.filled = Math.min(order.quantity, order.filled + fill);
    order.status = order.quantity - order.filled < 1e-12 ? 'filled' : 'partially_filled';
    if (order.status === 'filled') user.orders.delete(order.orderId);

    const quoteBalance = this.balance(user, QUOTE_ASSET);
    const baseBalance = this.balance(user, base);
    if (order.side === 'buy') {
      quoteBalance.locked = Math.max(0, quoteBalance.locked - fill * order.price);
      baseBalance.available += fill;
    } else {
      baseBalance.locked = Math.max(0, baseBalance.locked - fill);
      quoteBalance.available += fill * order.price;
    }
    this.applyFill(user, order, fill);
    this.sendOrder(userId, order);
    this.sendWallet(userId, user, QUOTE_ASSET);
    this.sendWallet(userId, user, base);
    const position = user.positions.get(order.symbol);
    if (position) {
      this.sendPosition(userId, position);
      if (position.size === 0) user.positions.delete(order.symbol);
    }
  }

  private applyFill(user: DemoUser, order: DemoOrder, fill: number): void {
    const signed = order.side === 'buy' ? fill : -fill;
    let position = user.positions.get(order.symbol);
    if (!position) {
      position = {
        positionId: this.nextId('pos'),
        symbol: order.symbol,
        size: 0,
        entry: order.price,
        decimals: order.decimals,
      };
      user.positions.set(order.symbol, position);
    }
    const size = position.size + signed;
    if (Math.sign(position.size) === Math.sign(signed) || position.size === 0) {
      position.entry = (position.entry * Math.abs(position.size) + order.price * fill) / Math.abs(size);
    } else if (Math.sign(size) !== Math.sign(position.size) && size !== 0) {
      position.entry = order.price;
    }
    position.size = Math.abs(size) < 1e-12 ? 0 : size;
  }

  private balance(user: DemoUser, asset: string): Balance {
    let balance = user.wallet.get(asset);
    if (!balance) {
      balance = { available: 0, locked: 0 };
      user.wallet.set(asset, balance);
    }
    return balance;
  }

  private sendOrder(userId: string, order: DemoOrder): void {
    const filled = Math.min(order.filled, order.quantity);
    this.send(() =>
      this.options.broadcast.broadcastOrderUpdate(userId, {
        orderId: order.orderId,
        symbol: order.symbol,
        side: order.side,
        type: 'limit',
        price: money(order.price, order.decimals),
        quantity: qty(order.quantity),
        filledQuantity: qty(filled),
        ...(filled > 0 ? { averagePrice: money(order.price, order.decimals) } : {}),
        status: order.status,
        timestamp: Date.now(),
      }),
    );
  }

  private sendWallet(userId: string, user: DemoUser, asset: string): void {
    const b = this.balance(user, asset);
    b.available = Math.max(0, b.available);
    this.send(() =>
      this.options.broadcast.broadcastWalletUpdate(userId, {
        asset,
        available: money(b.available),
        locked: money(b.locked),
        total: money(b.available + b.locked),
        timestamp: Date.now(),
      }),
    );
  }

  private sendPosition(userId: string, p: DemoPosition): void {
    const mark = this.options.quote(p.symbol)?.last ?? p.entry;
    const long = p.size >= 0;
    const notional = Math.abs(p.size) * p.entry;
    this.send(() =>
      this.options.broadcast.broadcastPositionUpdate(userId, {
        positionId: p.positionId,
        symbol: p.symbol,
        side: long ? 'long' : 'short',
        size: qty(Math.abs(p.size)),
        entryPrice: money(p.entry, p.decimals),
        markPrice: money(mark, p.decimals),
        liquidationPrice: money(p.entry * (long ? 1 - 0.9 / LEVERAGE : 1 + 0.9 / LEVERAGE), p.decimals),
        unrealizedPnl: money((mark - p.entry) * p.size, 2),
        margin: money(notional / LEVERAGE, 2),
        leverage: String(LEVERAGE),
        timestamp: Date.now(),
      }),
    );
  }

  private send(call: () => unknown): void {
    settle(call).catch((err: unknown) => {
      if (this.failures++ % 100 === 0)
        this.options.logger.warn({ err, failures: this.failures }, 'demo user activity publish failed');
    });
  }
}
