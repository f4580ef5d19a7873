import type { WalletUpdate } from '@ws/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GapEvent, TradingClient } from '../../src/index.js';
import { type Gateway, signToken, startGateway, waitFor } from './gateway.js';

let gw: Gateway;
const clients: TradingClient[] = [];

function makeClient(userId: string): TradingClient {
  const client = new TradingClient({
    url: gw.url,
    token: signToken({ userId, role: 'user' }),
    timeout: 3_000,
    reconnectDelayMin: 20,
    reconnectDelayMax: 200,
    pingInterval: 0,
  });
  clients.push(client);
  return client;
}

const wallet = (total: number) => ({ asset: 'USDT', available: total, locked: 0, total });

beforeEach(async () => {
  gw = await startGateway();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gw.close();
});

describe('/user streams seeded from connection.authenticated.streams', () => {
  it('recovers a stream that had no event before the first drop: every missed event once, in order', async () => {
    // Events from before the session: the client must not get these replayed.
    await gw.server.broadcast.broadcastWalletUpdate('kim', wallet(1));
    await gw.server.broadcast.broadcastWalletUpdate('kim', wallet(2));
    const client = makeClient('kim');
    const auth = await client.connectUser();
    expect(auth.streams?.wallet).toBe(2);

    const received: WalletUpdate[] = [];
    client.on('wallet.update', (w) => received.push(w));
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const refusals: string[] = [];
    client.on('error', (e) => refusals.push(e.code));
    const recovery = waitFor<{ namespace: string; recovered: boolean }>((l) => client.on('recovery', l));

    // Maintenance holds the reconnect, so these are published while the client is away.
    gw.server.setMaintenance(true, 'test');
    await gw.server.disconnect({ userId: 'kim' });
    await expect.poll(() => refusals.includes('MAINTENANCE'), { timeout: 5_000 }).toBe(true);
    for (const total of [3, 4, 5]) await gw.server.broadcast.broadcastWalletUpdate('kim', wallet(total));
    gw.server.setMaintenance(false);

    expect(await recovery).toEqual({ namespace: '/user', recovered: true });
    const live = waitFor<WalletUpdate>(
      (l) => client.on('wallet.update', l),
      (w) => w.total === '6',
    );
    await gw.server.broadcast.broadcastWalletUpdate('kim', wallet(6));
    await live;

    expect(received.map((w) => [w.seq, w.total])).toEqual([
      [3, '3'],
      [4, '4'],
      [5, '5'],
      [6, '6'],
    ]);
    expect(gaps).toEqual([]);
    expect(client.state).toBe('connected');
  });

  it('a stream the server cannot replay is reported as a gap at the reconnect, before any event arrives', async () => {
    await gw.server.broadcast.broadcastWalletUpdate('lee', wallet(1));
    const client = makeClient('lee');
    expect((await client.connectUser()).streams?.wallet).toBe(1);
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const recovery = waitFor<{ namespace: string; recovered: boolean }>((l) => client.on('recovery', l));
    await gw.restart(); // the old server's seqs and history are gone
    expect(await recovery).toEqual({ namespace: '/user', recovered: false });
    expect(gaps).toEqual([{ room: 'wallet:lee', expected: 2, received: 1, cause: 'reconnect' }]);
  });
});
