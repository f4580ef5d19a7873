import { WebSocket, WebSocketServer } from 'ws';
import { marketRoomOf } from './market-rooms.js';
import { createPublishServer } from './publish-endpoint.js';

/**
 * Baseline 2: raw `ws` — the ceiling of Node on this machine. Clients send `{"type":"subscribe","symbols":[…]}`
 * to `/ws` (with `"channels":[…]` for the market workload: rooms `market:<channel>:<symbol>`); each published
 * item is serialised and UTF-8 encoded once as `{"event","data"}` and sent with `ws.send` to every socket of
 * its room, one message at a time, as a text frame from that one Buffer (a string would be encoded again
 * for every recipient). Run as its own process by the benchmark.
 */
const port = Number(process.env.PORT);
const rooms = new Map<string, Set<WebSocket>>();
const TEXT = { binary: false } as const;
const http = createPublishServer((item) => {
  const symbol = item.data?.symbol;
  const room = typeof symbol === 'string' ? rooms.get(marketRoomOf(item.event, symbol) ?? symbol) : undefined;
  if (!room) return;
  const frame = Buffer.from(JSON.stringify({ event: item.event, data: item.data }));
  for (const ws of room) if (ws.readyState === WebSocket.OPEN) ws.send(frame, TEXT);
});
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const joined: string[] = [];
  ws.on('message', (data) => {
    let msg: { type?: unknown; symbols?: unknown; channels?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (msg.type !== 'subscribe' || !Array.isArray(msg.symbols)) return;
    const names: string[] = [];
    for (const symbol of msg.symbols) {
      if (typeof symbol !== 'string') continue;
      if (!Array.isArray(msg.channels)) names.push(symbol);
      else
        for (const channel of msg.channels) if (typeof channel === 'string') names.push(`market:${channel}:${symbol}`);
    }
    for (const name of names) {
      const room = rooms.get(name) ?? new Set<WebSocket>();
      rooms.set(name, room);
      room.add(ws);
      joined.push(name);
    }
    ws.send('{"type":"subscribed"}');
  });
  ws.on('close', () => {
    for (const symbol of joined) rooms.get(symbol)?.delete(ws);
  });
});
http.listen(port, '127.0.0.1');
const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  http.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
