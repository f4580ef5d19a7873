// A synthetic source for client-cost.ts: it speaks just enough Engine.IO/Socket.IO (open, namespace
// connect, subscribe ack) and, between `POST /start` and `POST /stop`, writes pre-encoded `price.update`
// frames to every subscribed socket in 64 KiB blocks, as fast as each socket drains. Nearly free for the
// server, so the client is the bottleneck and many frames arrive per read: the client's cost per
// message, without the per-read cost that dominates when a client keeps up with a real server.
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { hiResNow } from '../src/measure/clock.js';

/** An unmasked, final text frame. */
function frame(text: string): Buffer {
  const body = Buffer.from(text);
  const header =
    body.length < 126
      ? Buffer.from([0x81, body.length])
      : Buffer.from([0x81, 126, body.length >> 8, body.length & 255]);
  return Buffer.concat([header, body]);
}

/** About 64 KiB of frames, stamped now (rebuilt every 100 ms so latencies stay meaningful). */
function block(): Buffer {
  const frames: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < 64 * 1024; i++) {
    const now = hiResNow();
    const price = (100 + (i % 1000) / 100).toFixed(2);
    const data = {
      symbol: 'BTC/USDT',
      price,
      bid: price,
      ask: price,
      volume: now.toFixed(3),
      timestamp: Math.floor(now),
    };
    const f = frame(`42/prices,${JSON.stringify(['price.update', data])}`);
    frames.push(f);
    size += f.length;
  }
  return Buffer.concat(frames);
}

let current = block();
setInterval(() => {
  current = block();
}, 100).unref();

const subscribed = new Set<Socket>();
let streaming = false;
const pump = (socket: Socket) => {
  while (streaming && !socket.destroyed && socket.write(current));
};

const http = createServer((req, res) => {
  if (req.method === 'POST' && (req.url === '/start' || req.url === '/stop')) {
    streaming = req.url === '/start';
    for (const socket of subscribed) pump(socket);
    res.writeHead(204).end();
    return;
  }
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    socket.on('drain', () => pump(socket));
    socket.on('close', () => subscribed.delete(socket));
    ws.send('0{"sid":"firehose","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}');
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('40/prices,')) ws.send('40/prices,{"sid":"firehose"}');
      else if (text.startsWith('42/prices,1')) {
        ws.send('43/prices,1[{"ok":true,"symbols":["BTC/USDT"]}]');
        subscribed.add(socket);
        pump(socket);
      }
    });
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1');
const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  http.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
