import type { MarketDepth, PriceUpdate } from '@ws/protocol';
import { io, type Socket } from 'socket.io-client';

/** What the server holds now for the run's public streams. */
export interface ServerState {
  priceSeq: number;
  book: MarketDepth;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/**
 * Reads the server's current state straight from a gateway (no proxy): the latest `price.update` seq of
 * `priceSymbol` (the subscribe snapshot) and the order book of `bookSymbol` (`market.snapshot`).
 */
export async function probeServer(url: string, priceSymbol: string, bookSymbol: string): Promise<ServerState> {
  const base = { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 10_000 };
  const prices = io(`${url}/prices`, base);
  const market = io(`${url}/market`, base);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.all([connected(prices), connected(market)]);
    const latest = new Promise<PriceUpdate>((resolve) => {
      const onPrice = (p: PriceUpdate) => {
        if (p.symbol !== priceSymbol) return;
        prices.off('price.update', onPrice);
        resolve(p);
      };
      prices.on('price.update', onPrice);
    });
    await prices.timeout(10_000).emitWithAck('subscribe', { symbols: [priceSymbol] });
    const snapshot = (await market.timeout(10_000).emitWithAck('market.snapshot', { symbol: bookSymbol })) as {
      ok: boolean;
      depth?: MarketDepth;
    };
    if (!snapshot.ok || !snapshot.depth) throw new Error(`market.snapshot of ${bookSymbol} failed`);
    const price = await Promise.race([
      latest,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no price.update snapshot of ${priceSymbol}`)), 10_000);
      }),
    ]);
    return { priceSeq: price.seq, book: snapshot.depth };
  } finally {
    clearTimeout(timer);
    prices.disconnect();
    market.disconnect();
  }
}
