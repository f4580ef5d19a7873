import { WebSocket, WebSocketServer } from 'ws';
import { createPublishServer } from './publish-endpoint.js';

/**
 * Baseline 2: raw `ws` — the ceiling of Node on this machine. Clients send `{"type":"subscribe","symbols":[…]}`
 * to `/ws`; each published item is serialised once as `{"event","data"}` and sent as a text frame to every
 * socket of its symbol. Run as its own process by the benchmark.
 */
const port = Number(process.env.PORT);
const rooms = new Map<string, Set<WebSocket>>();
const http = createPublishServer((item) => {
  const room = typeof item.data?.symbol === 'string' ? rooms.get(item.data.symbol) : undefined;
  if (!room) return;
  const frame = JSON.stringify({ event: item.event, data: item.data });
  for (const ws of room) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
});
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const joined: string[] = [];
  ws.on('message', (data) => {
    let msg: { type?: unknown; symbols?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (msg.type !== 'subscribe' || !Array.isArray(msg.symbols)) return;
    for (const symbol of msg.symbols) {
      if (typeof symbol !== 'string') continue;
      const room = rooms.get(symbol) ?? new Set<WebSocket>();
      rooms.set(symbol, room);
      room.add(ws);
      joined.push(symbol);
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
