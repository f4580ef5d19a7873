import { Server } from 'socket.io';
import { createPublishServer } from './publish-endpoint.js';

/**
 * Baseline 1: plain Socket.IO 4 — no auth, no validation, no seq, no metrics — fanning the published
 * payloads out to the same rooms (`prices:<symbol>`) on `/prices`. Run as its own process by the benchmark.
 */
const port = Number(process.env.PORT);
const http = createPublishServer((item) => {
  if (typeof item.data?.symbol === 'string') prices.to(`prices:${item.data.symbol}`).emit(item.event, item.data);
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, cors: { origin: '*' } });
const prices = io.of('/prices');
prices.on('connection', (socket) => {
  socket.on('subscribe', (payload: { symbols?: unknown }, ack: unknown) => {
    const symbols = Array.isArray(payload?.symbols) ? payload.symbols.filter((s) => typeof s === 'string') : [];
    for (const symbol of symbols) socket.join(`prices:${symbol}`);
    if (typeof ack === 'function') ack({ ok: true, symbols });
  });
});
http.listen(port, '127.0.0.1');
const stop = () => io.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
