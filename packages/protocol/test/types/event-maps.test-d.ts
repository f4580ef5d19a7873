import type {
  Ack,
  ClientToServerEvents,
  ErrorCode,
  InterServerEvents,
  MarketDepth,
  OrderEvent,
  PingResult,
  PricesSubscribeRequest,
  PriceUpdate,
  ServerToClientEvents,
  SocketData,
  WalletUpdate,
} from '@ws/protocol';
import { type Namespace, Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { describe, expectTypeOf, it } from 'vitest';

type PricesServer = Server<
  ClientToServerEvents<'/prices'>,
  ServerToClientEvents<'/prices'>,
  InterServerEvents,
  SocketData
>;

const update: PriceUpdate = {
  symbol: 'BTC/USDT',
  price: '50000',
  bid: '49999',
  ask: '50001',
  volume: '10',
  timestamp: 1,
  seq: 1,
};

describe('server event maps', () => {
  it('type a Socket.IO server: handlers, acks, emits, socket.data and inter-server events', () => {
    const io: PricesServer = new Server<
      ClientToServerEvents<'/prices'>,
      ServerToClientEvents<'/prices'>,
      InterServerEvents,
      SocketData
    >();
    io.on('connection', (socket) => {
      socket.on('subscribe', (payload, ack) => {
        expectTypeOf(payload).toEqualTypeOf<PricesSubscribeRequest>();
        expectTypeOf(ack).parameter(0).toEqualTypeOf<Ack<{ symbols: string[] }>>();
        ack({ ok: true, symbols: payload.symbols });
        ack({ ok: false, error: { code: 'LIMIT_EXCEEDED', message: 'too many symbols' } });
        // @ts-expect-error a successful ack must carry its result
        ack({ ok: true });
        // @ts-expect-error error codes come from the one table
        ack({ ok: false, error: { code: 'NOPE', message: 'x' } });
      });
      socket.on('ping', (_payload, ack) => ack({ ok: true, serverTime: Date.now() }));
      // @ts-expect-error /prices has no market.snapshot request
      socket.on('market.snapshot', () => {});
      socket.emit('price.update', update);
      // @ts-expect-error misspelt event
      socket.emit('price.updat', update);
      // @ts-expect-error wrong payload
      socket.emit('price.trade', update);
      expectTypeOf(socket.data.userId).toEqualTypeOf<string | null>();
      expectTypeOf(socket.data.role).toEqualTypeOf<'user' | 'admin' | 'service' | null>();
    });
    io.to('prices:BTC/USDT').emit('price.update', update);
    io.serverSideEmit('maintenance.set', { enabled: true, message: 'soon' });
    // @ts-expect-error unknown inter-server event
    io.serverSideEmit('maintenance.sett', { enabled: true });
  });

  it('type io.of(namespace)', () => {
    const io = new Server();
    const market = io.of('/market') as Namespace<
      ClientToServerEvents<'/market'>,
      ServerToClientEvents<'/market'>,
      InterServerEvents,
      SocketData
    >;
    market.to('market:depth:BTC/USDT').emit('market.depth', {} as MarketDepth);
    // @ts-expect-error price.update is not a /market event
    market.emit('price.update', update);
    market.on('connection', (socket) => {
      socket.on('market.snapshot', (payload, ack) => {
        expectTypeOf(payload.symbol).toEqualTypeOf<string>();
        ack({ ok: true, depth: {} as MarketDepth });
      });
    });

    const prices: PricesServer = new Server();
    const ns = prices.of('/prices');
    ns.emit('price.update', update);
    // @ts-expect-error misspelt event
    ns.emit('price.upd', update);
  });
});

describe('client event maps', () => {
  it('type a socket.io-client Socket for /user', () => {
    const socket: ClientSocket<ServerToClientEvents<'/user'>, ClientToServerEvents<'/user'>> = connect(
      'http://localhost:3000/user',
      { autoConnect: false },
    );
    socket.on('order.new', (order) => expectTypeOf(order).toEqualTypeOf<OrderEvent>());
    socket.on('wallet.update', (wallet) => expectTypeOf(wallet).toEqualTypeOf<WalletUpdate>());
    socket.on('system.message', (message) => expectTypeOf(message.type).toBeString());
    // @ts-expect-error misspelt event
    socket.on('order.neww', () => {});
    socket.emit('ping', {}, (response) => {
      expectTypeOf(response).toEqualTypeOf<Ack<PingResult>>();
      if (response.ok) expectTypeOf(response.serverTime).toEqualTypeOf<number>();
      else expectTypeOf(response.error.code).toEqualTypeOf<ErrorCode>();
    });
    socket.timeout(1000).emit('auth.refresh', { token: 't' }, (error, response) => {
      expectTypeOf(error).toEqualTypeOf<Error>();
      if (response.ok) expectTypeOf(response.expiresAt).toEqualTypeOf<number>();
    });
    expectTypeOf(socket.emitWithAck('ping', {})).resolves.toEqualTypeOf<Ack<PingResult>>();
    // @ts-expect-error /user takes no subscription requests
    socket.emit('subscribe', { symbols: ['BTC/USDT'] }, () => {});
    // @ts-expect-error payload must match
    socket.emit('ping', { clientTime: 'now' }, () => {});
  });
});
