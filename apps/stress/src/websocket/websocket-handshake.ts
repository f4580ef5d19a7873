import { createHash, randomBytes } from 'node:crypto';

/** RFC 6455 §1.3: the server proves it read the key by hashing it with this GUID. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64. */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept a server must answer `key` with. */
export function expectedAccept(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** The HTTP/1.1 upgrade request (no extensions, no subprotocols offered). */
export function upgradeRequest(
  host: string,
  path: string,
  key: string,
  headers: Readonly<Record<string, string>> = {},
): string {
  let extra = '';
  for (const [name, value] of Object.entries(headers)) extra += `${name}: ${value}\r\n`;
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** Why an upgrade response was refused, with the HTTP status when it was not 101. */
export interface UpgradeProblem {
  status: number | null;
  message: string;
}

/**
 * Checks the response head (status line and headers, without the blank line) to the upgrade request sent
 * with `key`; null when the connection is a WebSocket now.
 */
export function checkUpgradeResponse(head: string, key: string): UpgradeProblem | null {
  const lines = head.split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (statusLine === null)
    return { status: null, message: `not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}` };
  const status = Number(statusLine[1]);
  if (status !== 101) return { status, message: `unexpected server response: ${status}` };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return { status, message: 'missing "Upgrade: websocket"' };
  const connection = (headers.get('connection') ?? '').toLowerCase().split(',');
  if (!connection.some((token) => token.trim() === 'upgrade'))
    return { status, message: 'missing "Connection: Upgrade"' };
  if (headers.get('sec-websocket-accept') !== expectedAccept(key))
    return { status, message: 'wrong Sec-WebSocket-Accept' };
  if (headers.has('sec-websocket-extensions'))
    return { status, message: 'server chose an extension that was not offered' };
  if (headers.has('sec-websocket-protocol'))
    return { status, message: 'server chose a subprotocol that was not offered' };
  return null;
}
