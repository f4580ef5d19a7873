import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with `pnpm build`; its results are checked below.
import { BUDGET_BYTES, measureAll, WHOLE_BUDGET_BYTES } from '../../scripts/bundle-size.mjs';

interface Loaded {
  bytes: number;
  gzip: number;
  inputs: string[];
  lazy: number;
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

// Packs @ws/protocol and @ws/client (their built dist, as npm would publish them), unpacks the tarballs
// into a fresh node_modules and bundles apps with esbuild the way a browser app's bundler sees them.
describe('the browser bundle of the packed packages', () => {
  it('stays within budget; the order book, schemas, TypeBox and socket.io-client stay out of a TradingClient app', async () => {
    const { sizes, split } = (await measureAll()) as {
      sizes: Record<'tradingClient' | 'strict' | 'polling' | 'protocolRuntime', Loaded>;
      split: Loaded;
    };
    const ws = (l: Loaded) => l.inputs.filter((f) => f.includes('@ws/')).map((f) => f.replace(/^.*node_modules\//, ''));

    expect(split.gzip, `loaded first: ${kib(split.gzip)}`).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(sizes.tradingClient.gzip, `without code splitting: ${kib(sizes.tradingClient.gzip)}`).toBeLessThanOrEqual(
      WHOLE_BUDGET_BYTES,
    );
    // Pays nothing for LiveOrderBook until it opens a book: neither the book nor the book state is loaded first.
    expect(ws(split)).toContain('@ws/client/dist/trading-client.js');
    expect(ws(split).filter((f) => /order-book|checksum|decimal/.test(f))).toEqual([]);
    expect(split.lazy).toBeGreaterThan(1024);
    // No schema and no TypeBox without the opt-in entry.
    for (const l of [sizes.tradingClient, sizes.protocolRuntime]) {
      expect(l.inputs.filter((f) => f.includes('typebox'))).toEqual([]);
    }
    expect(sizes.strict.inputs.some((f) => f.includes('typebox'))).toBe(true);
    // The WebSocket-only default has its own Socket.IO connection; socket.io-client's engine (long-polling,
    // WebTransport) comes only with the opt-in polling manager.
    const engine = (l: Loaded) => l.inputs.filter((f) => /socket\.io-client|engine\.io-client/.test(f));
    expect(engine(sizes.tradingClient)).toEqual([]);
    expect(engine(split)).toEqual([]);
    expect(engine(sizes.polling).some((f) => f.includes('engine.io-client/build/esm/transports/polling'))).toBe(true);
  });
});
