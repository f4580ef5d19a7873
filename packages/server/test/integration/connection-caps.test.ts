import { connected, refused, TEST_SECRET } from '@ws/test-support';
import { redisNodes, startServer, type TestServer } from '@ws/test-support/server';
import { Manager, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type NodeProcess, startNodeProcess } from './cluster-process.js';

const servers: TestServer[] = [];
const cluster = redisNodes('proc');
const processes: NodeProcess[] = [];
const managers: Manager[] = [];

afterEach(async () => {
  for (const manager of managers.splice(0)) manager.engine?.close();
  for (const p of processes.splice(0)) await p.kill();
  for (const server of servers.splice(0)) await server.close();
  await cluster.close();
});

/** One client connection (its own Manager, so its own Engine.IO connection) on `namespace`. */
function client(url: string, namespace: string, token?: string): Socket {
  const manager = new Manager(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  managers.push(manager);
  return manager.socket(namespace, token === undefined ? {} : { auth: { token } });
}

async function limitExceeded(socket: Socket): Promise<void> {
  const err = await refused(socket);
  expect(err.message).toBe('LIMIT_EXCEEDED');
  expect(err.data).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('at most') });
}

describe('concurrent connection caps on one node (memory)', () => {
  it('per IP: exactly maxPerIp connections, whatever namespaces each multiplexes; the next is LIMIT_EXCEEDED', async () => {
    const server = await startServer({ connectionCaps: { maxPerIp: 3 } });
    servers.push(server);
    const first = new Manager(server.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    managers.push(first);
    // One connection carrying two namespaces takes one slot.
    await Promise.all([connected(first.socket('/prices')), connected(first.socket('/market'))]);
    await connected(client(server.url, '/prices'));
    await connected(client(server.url, '/market'));
    await limitExceeded(client(server.url, '/prices'));
    // A slot comes back when its connection closes.
    first.engine?.close();
    await vi.waitFor(() => connected(client(server.url, '/prices')), { timeout: 10_000, interval: 100 });
    await limitExceeded(client(server.url, '/prices'));
  });

  it('per user: exactly maxPerUser connections of one user; other users and anonymous clients are not affected', async () => {
    const server = await startServer({ connectionCaps: { maxPerUser: 2 } });
    servers.push(server);
    const alice = await server.token({ userId: 'alice' });
    const both = new Manager(server.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    managers.push(both);
    // /user and /prices over one connection: one slot.
    await connected(both.socket('/user', { auth: { token: alice } }));
    await connected(both.socket('/prices', { auth: { token: alice } }));
    await connected(client(server.url, '/user', alice));
    await limitExceeded(client(server.url, '/prices', alice));
    await connected(client(server.url, '/user', await server.token({ userId: 'bob' })));
    await connected(client(server.url, '/prices'));
    both.engine?.close();
    await vi.waitFor(() => connected(client(server.url, '/user', alice)), { timeout: 10_000, interval: 100 });
  });

  it('per user: a connection carrying two users holds a slot for each, and gives both back when it closes', async () => {
    const server = await startServer({ connectionCaps: { maxPerUser: 1 } });
    servers.push(server);
    const alice = await server.token({ userId: 'alice' });
    const bob = await server.token({ userId: 'bob' });
    const shared = new Manager(server.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    managers.push(shared);
    await connected(shared.socket('/user', { auth: { token: alice } }));
    await connected(shared.socket('/prices', { auth: { token: bob } }));
    await connected(shared.socket('/market', { auth: { token: alice } }));
    await limitExceeded(client(server.url, '/user', alice));
    await limitExceeded(client(server.url, '/user', bob));
    shared.engine?.close();
    await vi.waitFor(() => connected(client(server.url, '/user', alice)), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => connected(client(server.url, '/prices', bob)), { timeout: 10_000, interval: 100 });
  });

  it('0 turns a cap off', async () => {
    const server = await startServer({ connectionCaps: { maxPerIp: 0, maxPerUser: 0 } });
    servers.push(server);
    const token = await server.token({ userId: 'alice' });
    for (let i = 0; i < 5; i++) await connected(client(server.url, '/user', token));
  });
});

describe('concurrent connection caps across two nodes on one real Redis', () => {
  it('per user, cluster-wide at the exact boundary', async () => {
    const caps = { connectionCaps: { maxPerIp: 0, maxPerUser: 2 } };
    const a = await cluster.start(caps);
    const b = await cluster.start(caps);
    const alice = await a.token({ userId: 'alice' });
    await connected(client(a.url, '/user', alice));
    await connected(client(b.url, '/user', alice));
    await limitExceeded(client(a.url, '/user', alice));
    await limitExceeded(client(b.url, '/prices', alice));
    await connected(client(b.url, '/user', await a.token({ userId: 'bob' })));
  });

  it('per IP, cluster-wide at the exact boundary', async () => {
    const caps = { connectionCaps: { maxPerIp: 3, maxPerUser: 0 } };
    const a = await cluster.start(caps);
    const b = await cluster.start(caps);
    await connected(client(a.url, '/prices'));
    await connected(client(b.url, '/market'));
    await connected(client(b.url, '/prices'));
    await limitExceeded(client(a.url, '/prices'));
    await limitExceeded(client(b.url, '/market'));
  });

  it('a node killed with SIGKILL does not lock its users out: its counts lapse after its TTL', async () => {
    const b = await cluster.start({ connectionCaps: { maxPerUser: 2 } });
    const port = cluster.redis?.port;
    if (port === undefined) throw new Error('no redis');
    // The node to be killed trusts its own counts for 1 s without a heartbeat; b keeps the default minute.
    const doomed = await startNodeProcess(port, 'doomed', TEST_SECRET, {
      connectionCaps: { maxPerUser: 2, ttlMs: 1000 },
    });
    processes.push(doomed);
    const alice = await b.token({ userId: 'alice' });
    await connected(client(doomed.url, '/user', alice));
    await connected(client(doomed.url, '/user', alice));
    await limitExceeded(client(b.url, '/user', alice));
    await doomed.kill();
    // Nothing released the slots: they stop counting once the dead node's deadline passes.
    await vi.waitFor(() => connected(client(b.url, '/user', alice)), { timeout: 20_000, interval: 250 });
    await connected(client(b.url, '/user', alice));
    await limitExceeded(client(b.url, '/user', alice));
  });
});
