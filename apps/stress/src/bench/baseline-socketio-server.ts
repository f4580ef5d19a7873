import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { marketRoomOf } from './market-rooms.js';
import { createPublishServer } from './publish-endpoint.js';

/**
 * Baseline 1: plain Socket.IO 4 — no auth, no validation, no seq, no metrics — fanning the published
 * payloads out to the same rooms: `prices:<symbol>` on `/prices`, `market:<channel>:<symbol>` on `/market`.
 * Run as its own process by the benchmark.
 * With `REDIS_URL` (target `baseline-socketio-redis`) it runs `@socket.io/redis-adapter` as its docs set it
 * up: every broadcast is also PUBLISHed to Redis for the other nodes, and delivered locally at once.
 */
const port = Number(process.env.PORT);
const http = createPublishServer((item) => {
  if (typeof item.data?.symbol !== 'string') return;
  const marketRoom = marketRoomOf(item.event, item.data.symbol);
  if (marketRoom) market.to(marketRoom).emit(item.event, item.data);
  else prices.to(`prices:${item.data.symbol}`).emit(item.event, item.data);
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, cors: { origin: '*' } });
const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
const redisUrl = process.env.REDIS_URL;
const redis = redisUrl ? [new Redis(redisUrl), new Redis(redisUrl)] : [];
if (redis[0] && redis[1]) io.adapter(createAdapter(redis[0], redis[1]));
const prices = io.of('/prices');
prices.on('connection', (socket) => {
  socket.on('subscribe', (payload: { symbols?: unknown }, ack: unknown) => {
    const symbols = strings(payload?.symbols);
    for (const symbol of symbols) socket.join(`prices:${symbol}`);
    if (typeof ack === 'function') ack({ ok: true, symbols });
  });
});
const market = io.of('/market');
market.on('connection', (socket) => {
  socket.on('subscribe', (payload: { channels?: unknown; symbols?: unknown }, ack: unknown) => {
    const channels: string[] = [];
    for (const channel of strings(payload?.channels))
      for (const symbol of strings(payload?.symbols)) channels.push(`market:${channel}:${symbol}`);
    socket.join(channels);
    if (typeof ack === 'function') ack({ ok: true, channels });
  });
});
http.listen(port, '127.0.0.1');
const stop = () =>
  io.close(() => {
    for (const client of redis) client.disconnect();
    process.exit(0);
  });
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
