import NodeWebSocket from 'ws';

/** What the client uses of a WebSocket: the page's in a browser, ws's in Node. */
export interface WebSocketLike {
  binaryType: string;
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
}

/** The socket options engine.io-client hands to ws in Node (TLS, local address, agent…), plus `extraHeaders`. */
const NODE_OPTIONS = [
  'agent',
  'perMessageDeflate',
  'pfx',
  'key',
  'passphrase',
  'cert',
  'ca',
  'ciphers',
  'rejectUnauthorized',
  'localAddress',
  'protocolVersion',
  'origin',
  'maxPayload',
  'family',
  'checkServerIdentity',
] as const;

/**
 * Opens a WebSocket. In Node that is ws, which also takes `extraHeaders` and socket options; a browser
 * bundler resolves `ws` to its browser stub (a function that throws, without ws's static members), and
 * the page's own WebSocket is used, which takes none.
 */
export function openWebSocket(url: string, options: Record<string, unknown>): WebSocketLike {
  if (!('CONNECTING' in NodeWebSocket)) {
    return new (globalThis as unknown as { WebSocket: new (url: string) => WebSocketLike }).WebSocket(url);
  }
  const nodeOptions: Record<string, unknown> = {};
  for (const key of NODE_OPTIONS) if (options[key] !== undefined) nodeOptions[key] = options[key];
  if (options.extraHeaders) nodeOptions.headers = options.extraHeaders;
  return new NodeWebSocket(url, nodeOptions) as unknown as WebSocketLike;
}
