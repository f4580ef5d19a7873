import { startServer, type TestServer } from '@ws/test-support/server';
import { afterEach, describe, expect, it } from 'vitest';
import { pollingHandshake, rawWebSocket } from './raw-engine.js';
import { recordServerWrites, writesByConnection } from './server-writes.js';

let ts: TestServer | undefined;
afterEach(async () => {
  await ts?.close();
  ts = undefined;
});

describe('the WebSocket handshake', () => {
  it('writes the 101 and the Engine.IO open packet with one system call, then the connection works', async () => {
    ts = await startServer();
    const recorded = recordServerWrites(ts);
    const raw = await rawWebSocket(ts.url);
    const writes = writesByConnection(recorded);
    expect(writes).toHaveLength(1);
    const first = writes[0]?.[0] ?? '';
    expect(first).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(first).toContain('0{"sid":"');
    expect(first.indexOf('0{"sid":"')).toBeGreaterThan(first.indexOf('\r\n\r\n'));
    raw.send('40/prices,');
    expect(await raw.frame('40/prices,')).toMatch(/^40\/prices,\{"sid":"/);
    raw.ws.close();
  });

  it('holds nothing of a refused upgrade or a polling handshake: each gets its answer', async () => {
    ts = await startServer({ corsOrigins: ['https://app.example.com'] });
    const recorded = recordServerWrites(ts);
    await expect(rawWebSocket(ts.url, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 400 });
    const polling = await pollingHandshake(ts.url, { origin: 'https://app.example.com' });
    expect(polling.status).toBe(200);
    expect(polling.body).toMatch(/^0\{"sid":"/);
    expect(recorded.some((w) => w.text.startsWith('HTTP/1.1 400'))).toBe(true);
  });

  it('keeps every connection of a burst whole: 50 handshakes in one turn each get their 101 and open packet', async () => {
    ts = await startServer();
    const recorded = recordServerWrites(ts);
    const sockets = await Promise.all(Array.from({ length: 50 }, () => rawWebSocket(ts?.url ?? '')));
    const writes = writesByConnection(recorded);
    expect(writes).toHaveLength(50);
    for (const w of writes) expect(w[0]).toMatch(/^HTTP\/1\.1 101[\s\S]*\r\n\r\n[\s\S]*0\{"sid":"/);
    for (const s of sockets) s.ws.close();
  });
});
