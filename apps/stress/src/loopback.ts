import { isIP } from 'node:net';

/** Ephemeral ports usable per source address, with headroom below the ~28k Linux default range. */
export const PORTS_PER_SOURCE_ADDRESS = 25_000;

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The target must be a loopback URL: this tool never loads anything but this machine. */
export function assertLoopbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be a URL like http://127.0.0.1:3000, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'ws:') throw new Error('--url must be http:// or ws://');
  if (!isLoopbackHost(url.hostname))
    throw new Error(`--url must point at loopback (127.0.0.0/8, localhost), got ${url.hostname}`);
  return url;
}

/**
 * Source address for the client with this index: 127.0.0.1 for the first 25 000 connections, then
 * 127.0.0.2… so one address never runs out of ephemeral ports. `connectionsPerClient` is more than 1 for
 * lean clients on several namespaces. `undefined` while one address is enough (the OS picks).
 */
export function sourceAddressFor(index: number, totalClients: number, connectionsPerClient = 1): string | undefined {
  if (totalClients * connectionsPerClient <= PORTS_PER_SOURCE_ADDRESS) return undefined;
  const n = Math.floor((index * connectionsPerClient) / PORTS_PER_SOURCE_ADDRESS);
  if (n > 250) throw new Error('too many clients for 127.0.0.0/24 source addresses');
  return `127.0.0.${n + 1}`;
}
