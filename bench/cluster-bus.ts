// `pnpm bench:cluster-bus`: does the per-room cluster bus scale with nodes? (issue #19; see packages/server/README.md)
//
// 8 real gateway processes on a fresh redis-server and on a fresh 3-master Redis Cluster (both spawned here by
// @ws/test-support on free ports, never the shared 6379), 10 000 `/user` clients spread over them, 10 public
// symbols of which node i's clients use 2. Public traffic (price.update, price.trade, market.ticker) and private
// traffic (order.new, wallet.update per user) goes through the real publish path (`POST /api/v1/publish` of a
// node whose clients do not need it: the Lua script, SPUBLISH on the room's channel). Per node: bus messages
// received (`ws_bus_messages_received_total` from its /metrics) ÷ messages its clients need; and Redis output
// bytes (INFO `total_net_output_bytes`, summed over the masters) against what the nodes received.
//
// Env: BUS_NODES (8), BUS_USERS (10000), BUS_PUBLIC_PER_NODE (50 `/prices` + 50 `/market` clients),
// BUS_UPDATES (50 per event per symbol), BUS_TOPOLOGIES (`single,cluster`).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { rooms } from '@ws/protocol';
import { ClientStats, LeanClient, mintToken } from '@ws/stress';
import { startRedis, startRedisCluster, TEST_SECRET } from '@ws/test-support';
import { type GatewayProcess, startGatewayProcess } from '@ws/test-support/gateway';

const run = promisify(execFile);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const NODES = env('BUS_NODES', 8);
const USERS = env('BUS_USERS', 10_000);
const PUBLIC_PER_NODE = env('BUS_PUBLIC_PER_NODE', 50);
const UPDATES = env('BUS_UPDATES', 50);
const TOPOLOGIES = (process.env.BUS_TOPOLOGIES ?? 'single,cluster').split(',') as Topology[];
const SYMBOLS = ['BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'DOT', 'LTC', 'AVAX', 'LINK', 'ATOM'].map((b) => `${b}/USDT`);
/** Private events per user: one order.new, one wallet.update. */
const PRIVATE_PER_USER = 2;
/** Public room messages per used symbol: `prices:S` gets UPDATES price.update + UPDATES price.trade, `market:ticker:S` UPDATES. */
const PUBLIC_PER_SYMBOL = 3 * UPDATES;
const PREFIX = 'ws:';

type Topology = 'single' | 'cluster';
/** One Redis `INFO stats` reader per master. */
type InfoReader = () => Promise<number>;

interface NodeRow {
  node: number;
  users: number;
  symbols: string[];
  needed: { public: number; private: number };
  received: { public: number; private: number };
  busBytes: number;
  ratio: number;
  /** What its clients received (deliveries), and what they should have. */
  delivered: number;
  deliveredExpected: number;
  gaps: number;
}

interface TopologyResult {
  topology: Topology;
  nodes: NodeRow[];
  publishes: { public: number; private: number };
  redis: {
    outputBytes: number;
    idleBytes: number;
    publisherReplyBytes: number;
    busPayloadBytes: number;
    busFramedBytes: number;
    /** (output − idle − publisher replies) ÷ what the nodes received with its RESP framing. */
    ratio: number;
  };
  publishSeconds: number;
}

const symbolsOf = (node: number) => [SYMBOLS[(2 * node) % SYMBOLS.length]!, SYMBOLS[(2 * node + 1) % SYMBOLS.length]!];
const nodeOfUser = (u: number) => u % NODES;
const userId = (u: number) => `u${u}`;

/** Prometheus counter values of one node, per namespace label. */
async function scrape(g: GatewayProcess): Promise<{ messages: Record<string, number>; bytes: number }> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  const messages: Record<string, number> = {};
  let bytes = 0;
  for (const m of text.matchAll(/^ws_bus_messages_received_total\{namespace="([^"]+)"\} (\d+)$/gm))
    messages[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^ws_bus_received_bytes_total\{namespace="[^"]+"\} (\d+)$/gm)) bytes += Number(m[1]);
  return { messages, bytes };
}

/** Connects `clients` with at most `inFlight` handshakes at a time. */
async function connectAll(clients: LeanClient[], inFlight = 200): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < clients.length) await clients[next++]!.connect();
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** The RESP2 bytes Redis writes for one `smessage` push: `*3 $8 smessage $n <channel> $n <payload>`. */
function framed(channelBytes: number, payloadBytes: number): number {
  const bulk = (n: number) => 1 + String(n).length + 2 + n + 2;
  return 4 + bulk(8) + bulk(channelBytes) + bulk(payloadBytes);
}

async function startNodes(redisEnv: Record<string, string>): Promise<GatewayProcess[]> {
  const nodes: GatewayProcess[] = [];
  for (let i = 0; i < NODES; i++) {
    nodes.push(
      await startGatewayProcess(
        {
          ...redisEnv,
          WS_NODE_ID: `bus-${i}`,
          WS_JWT_SECRET: TEST_SECRET,
          WS_DEMO_FEED: '0',
          WS_ADMIN_CONSOLE: '0',
          WS_SYMBOLS: SYMBOLS.join(','),
          LOG_LEVEL: 'info',
          // Every client comes from 127.0.0.1; conflation off so every published message is counted.
          WS_HANDSHAKE_RATE_LIMIT_POINTS: '1000000',
          WS_MAX_CONNECTIONS_PER_IP: '0',
          WS_OVERLOAD_TURN_BUDGET_MS: '0',
          // A shared, busy machine: a slow Redis answer must not turn into a refused (and maybe later applied) publish.
          WS_PUBLISH_REDIS_TIMEOUT_MS: '30000',
        },
        60_000,
      ),
    );
  }
  return nodes;
}

/** Per node: its users' clients on `/user`, PUBLIC_PER_NODE `/prices` and as many `/market` (ticker) clients on its 2 symbols. */
async function connectClients(nodes: GatewayProcess[], stats: ClientStats[]): Promise<LeanClient[]> {
  const clients: LeanClient[] = [];
  const base = { target: 'socketio' as const, timeoutMs: 60_000, channels: [] as string[] };
  for (const [i, g] of nodes.entries()) {
    const symbols = symbolsOf(i);
    for (let c = 0; c < PUBLIC_PER_NODE; c++) {
      clients.push(new LeanClient({ ...base, url: g.url, namespace: '/prices', symbols, stats: stats[i]! }));
      clients.push(
        new LeanClient({ ...base, url: g.url, namespace: '/market', symbols, channels: ['ticker'], stats: stats[i]! }),
      );
    }
  }
  for (let u = 0; u < USERS; u++) {
    const i = nodeOfUser(u);
    const token = await mintToken(TEST_SECRET, { userId: userId(u), role: 'user', ttlSec: 3600 });
    clients.push(
      new LeanClient({ ...base, url: nodes[i]!.url, namespace: '/user', token, symbols: [], stats: stats[i]! }),
    );
  }
  await connectAll(clients);
  return clients;
}

/** What gets published, each item to be posted to a node whose clients do not need it. */
function publishPlan(): { node: number; item: object }[] {
  const plan: { node: number; item: object }[] = [];
  // A node that does not use symbol k (nodes 2k/2 … use it; k/2 + NODES/2 is one of the others for 8 nodes).
  const foreignNode = (k: number) => {
    for (let n = 0; n < NODES; n++) if (!symbolsOf(n).includes(SYMBOLS[k]!)) return n;
    return 0;
  };
  for (let n = 1; n <= UPDATES; n++) {
    for (const [k, symbol] of SYMBOLS.entries()) {
      const price = (100 + n / 100).toFixed(2);
      const node = foreignNode(k);
      plan.push({
        node,
        item: { event: 'price.update', data: { symbol, price, bid: price, ask: price, volume: '1' } },
      });
      plan.push({
        node,
        item: { event: 'price.trade', data: { symbol, tradeId: `t${n}`, price, quantity: '1', side: 'buy' } },
      });
      plan.push({ node, item: { event: 'market.ticker', data: { symbol, bid: price, ask: price, last: price } } });
    }
  }
  for (let u = 0; u < USERS; u++) {
    const node = (nodeOfUser(u) + 1) % NODES;
    const order = { orderId: `o${u}`, symbol: SYMBOLS[0], side: 'buy', type: 'limit', price: '1', quantity: '1' };
    plan.push({
      node,
      item: { event: 'order.new', userId: userId(u), data: { ...order, filledQuantity: '0', status: 'new' } },
    });
    plan.push({
      node,
      item: {
        event: 'wallet.update',
        userId: userId(u),
        data: { asset: 'USDT', available: '1', locked: '0', total: '1' },
      },
    });
  }
  return plan;
}

/** Posts the plan in batches of up to 250 items per node request, 4 requests in flight. */
async function publishAll(nodes: GatewayProcess[], plan: { node: number; item: object }[]): Promise<void> {
  const token = await mintToken(TEST_SECRET, { userId: 'bench-publisher', role: 'service', ttlSec: 3600 });
  const batches: { node: number; items: object[] }[] = [];
  const open = new Map<number, object[]>();
  for (const { node, item } of plan) {
    let items = open.get(node);
    if (!items) {
      items = [];
      open.set(node, items);
      batches.push({ node, items });
    }
    items.push(item);
    if (items.length === 250) open.delete(node);
  }
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++]!;
      const res = await fetch(`${nodes[b.node]!.url}/api/v1/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(b.items),
      });
      if (res.status !== 202) throw new Error(`publish to node ${b.node}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/** Deliveries each node's clients need: `/prices` 2 symbols × 2 UPDATES, `/market` 2 × UPDATES, users × PRIVATE_PER_USER. */
function deliveriesExpected(node: number): number {
  const users = Array.from({ length: USERS }, (_, u) => u).filter((u) => nodeOfUser(u) === node).length;
  return PUBLIC_PER_NODE * 2 * 2 * UPDATES + PUBLIC_PER_NODE * 2 * UPDATES + users * PRIVATE_PER_USER;
}

/** Waits until every node's clients got what they need, or nothing moved for 10 s. */
async function awaitDeliveries(delivered: number[], stats: ClientStats[], gaps: number[]): Promise<void> {
  let last = -1;
  let still = 0;
  for (;;) {
    for (const [i, s] of stats.entries()) {
      const d = s.take();
      delivered[i] = (delivered[i] ?? 0) + d.received;
      gaps[i] = (gaps[i] ?? 0) + d.gapEvents;
    }
    const total = delivered.reduce((a, b) => a + b, 0);
    if (delivered.every((d, i) => d >= deliveriesExpected(i))) return;
    still = total === last ? still + 1 : 0;
    if (still >= 100) return;
    last = total;
    await sleep(100);
  }
}

/** Publisher replies: one `:<seq>\r\n` per publish; a room's seqs are 1…n. */
function replyBytes(perRoom: number, roomCount: number): number {
  let sum = 0;
  for (let s = 1; s <= perRoom; s++) sum += 3 + String(s).length;
  return sum * roomCount;
}

/**
 * The Redis-side bytes of a node's received messages, RESP framing and channel names included: estimated with the
 * node's mean payload and one typical channel length for public (`ws:{prices:BTC/USDT}:bus`) and private
 * (`ws:{orders:u1234}:bus`) rooms, within a few bytes of each real one.
 */
function framedBytes(row: NodeRow, userRoomsChannel: number, publicChannel: number): number {
  const meanPayload =
    row.received.public + row.received.private > 0 ? row.busBytes / (row.received.public + row.received.private) : 0;
  return (
    row.received.public * framed(publicChannel, Math.round(meanPayload)) +
    row.received.private * framed(userRoomsChannel, Math.round(meanPayload))
  );
}

async function runTopology(topology: Topology): Promise<TopologyResult> {
  const redis = topology === 'single' ? await startRedis() : undefined;
  const cluster = topology === 'cluster' ? await startRedisCluster() : undefined;
  const redisEnv: Record<string, string> = redis ? { REDIS_URL: redis.url } : { REDIS_CLUSTER_NODES: cluster!.nodes };
  // redis-cli per master: no client of this process sits on the instance between readings.
  const readers: InfoReader[] = (redis ? [redis.port] : cluster!.ports).map(
    (port) => async () => outputBytes((await run('redis-cli', ['-p', String(port), 'info', 'stats'])).stdout),
  );
  const nodes = await startNodes(redisEnv);
  const stats = nodes.map(() => new ClientStats());
  let clients: LeanClient[] = [];
  try {
    process.stderr.write(`${topology}: ${NODES} nodes up; connecting ${USERS + NODES * PUBLIC_PER_NODE * 2} clients\n`);
    clients = await connectClients(nodes, stats);
    for (const s of stats) s.take();
    const output = async () => (await Promise.all(readers.map((r) => r()))).reduce((a, b) => a + b, 0);
    // Background output (adapter heartbeats, stats, these INFO calls) over an idle window, subtracted below.
    await sleep(1_000);
    const idleStart = await output();
    const idleT0 = performance.now();
    await sleep(3_000);
    const idleRate = ((await output()) - idleStart) / ((performance.now() - idleT0) / 1000);

    const before = await Promise.all(nodes.map(scrape));
    const out0 = await output();
    const t0 = performance.now();
    const plan = publishPlan();
    process.stderr.write(`${topology}: publishing ${plan.length} messages\n`);
    await publishAll(nodes, plan);
    const delivered = nodes.map(() => 0);
    const gaps = nodes.map(() => 0);
    await awaitDeliveries(delivered, stats, gaps);
    const publishSeconds = (performance.now() - t0) / 1000;
    const outputBytes = (await output()) - out0;
    const after = await Promise.all(nodes.map(scrape));

    const rows = nodes.map((_, i): NodeRow => {
      const got = (ns: string) => (after[i]!.messages[ns] ?? 0) - (before[i]!.messages[ns] ?? 0);
      const users = Array.from({ length: USERS }, (_, u) => u).filter((u) => nodeOfUser(u) === i).length;
      const needed = { public: 2 * PUBLIC_PER_SYMBOL, private: users * PRIVATE_PER_USER };
      const received = { public: got('/prices') + got('/market'), private: got('/user') };
      return {
        node: i,
        users,
        symbols: symbolsOf(i),
        needed,
        received,
        busBytes: after[i]!.bytes - before[i]!.bytes,
        ratio: (received.public + received.private) / (needed.public + needed.private),
        delivered: delivered[i]!,
        deliveredExpected: deliveriesExpected(i),
        gaps: gaps[i]!,
      };
    });
    const publicChannel = `${PREFIX}{${rooms.prices(SYMBOLS[0]!)}}:bus`.length;
    const userChannel = `${PREFIX}{${rooms.orders('u1234')}}:bus`.length;
    const busPayloadBytes = rows.reduce((a, r) => a + r.busBytes, 0);
    const busFramedBytes = rows.reduce((a, r) => a + framedBytes(r, userChannel, publicChannel), 0);
    // prices:S takes 2 × UPDATES publishes, market:ticker:S UPDATES, each user room one.
    const publisherReplyBytes =
      replyBytes(2 * UPDATES, SYMBOLS.length) +
      replyBytes(UPDATES, SYMBOLS.length) +
      replyBytes(1, USERS * PRIVATE_PER_USER);
    const idleBytes = Math.round(idleRate * publishSeconds);
    return {
      topology,
      nodes: rows,
      publishes: { public: SYMBOLS.length * PUBLIC_PER_SYMBOL, private: USERS * PRIVATE_PER_USER },
      redis: {
        outputBytes,
        idleBytes,
        publisherReplyBytes,
        busPayloadBytes,
        busFramedBytes,
        ratio: (outputBytes - idleBytes - publisherReplyBytes) / busFramedBytes,
      },
      publishSeconds,
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((g) => g.kill()));
    await redis?.stop();
    await cluster?.stop();
  }
}

function outputBytes(info: string): number {
  return Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? 0);
}

function table(r: TopologyResult): string {
  const lines = [
    `**${r.topology === 'single' ? 'one Redis' : '3-master Redis Cluster'}** (${NODES} nodes, ${USERS} users, publish phase ${r.publishSeconds.toFixed(1)} s)`,
    '',
    '| node | users | symbols | needed public + private | bus received public + private | ratio | bus bytes | deliveries (expected) | gaps |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.nodes.map(
      (n) =>
        `| ${n.node} | ${n.users} | ${n.symbols.map((s) => s.split('/')[0]).join(', ')} | ${n.needed.public} + ${n.needed.private} | ${n.received.public} + ${n.received.private} | **${n.ratio.toFixed(2)}** | ${n.busBytes} | ${n.delivered} (${n.deliveredExpected}) | ${n.gaps} |`,
    ),
    '',
    `Redis output during the publish phase: ${r.redis.outputBytes} B; idle background over the same time ${r.redis.idleBytes} B; replies to the publishing nodes ${r.redis.publisherReplyBytes} B (computed); ` +
      `what the nodes received: ${r.redis.busPayloadBytes} B of messages, ${r.redis.busFramedBytes} B with RESP framing and channel names → **output ÷ need = ${r.redis.ratio.toFixed(2)}**; ` +
      `${(r.redis.busPayloadBytes / r.nodes.reduce((a, n) => a + n.received.public + n.received.private, 0)).toFixed(0)} B per bus message.`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const load = loadavg().map((l) => l.toFixed(2));
  const results: TopologyResult[] = [];
  process.stdout.write(`${started.toISOString()}, load average ${load.join(' ')} before\n\n`);
  for (const t of TOPOLOGIES) {
    const r = await runTopology(t);
    results.push(r);
    process.stdout.write(`${table(r)}\n\n`);
  }
  const loadAfter = loadavg().map((l) => l.toFixed(2));
  process.stdout.write(`load average ${loadAfter.join(' ')} after\n`);
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  const file = new URL(
    `results/cluster-bus-${started.toISOString().slice(0, 16).replace(/[:T]/g, '')}.json`,
    import.meta.url,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ started, load, loadAfter, nodes: NODES, users: USERS, publicPerNode: PUBLIC_PER_NODE, updates: UPDATES, results }, null, 2)}\n`,
  );
  process.stderr.write(`wrote ${file.pathname}\n`);
  const failed = results.some((r) => r.nodes.some((n) => n.ratio > 1.2 || n.delivered < n.deliveredExpected));
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`cluster-bus: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
