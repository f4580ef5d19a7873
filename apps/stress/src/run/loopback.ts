import { isIP } from 'node:net';

/** Ephemeral ports usable per source address, with headroom below the ~28k Linux default range. */
export const PORTS_PER_SOURCE_ADDRESS = 25_000;

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * The target must be a loopback URL unless `allowRemote` (`--allow-remote`): by default this tool loads only
 * this machine, so a typo never aims a load test at someone else's server.
 */
export function assertLoopbackUrl(raw: string, allowRemote = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be a URL like http://127.0.0.1:3000, got ${JSON.stringify(raw)}`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (secure && !allowRemote)
    throw new Error('--url: https:// and wss:// are for remote targets, which need --allow-remote');
  if (url.protocol !== 'http:' && url.protocol !== 'ws:' && !secure)
    throw new Error('--url must be http:// or ws:// (https://, wss:// with --allow-remote)');
  if (!allowRemote && !isLoopbackHost(url.hostname))
    throw new Error(
      `--url must point at loopback (127.0.0.0/8, localhost), got ${url.hostname}; add --allow-remote to load a host you are allowed to load (e.g. staging)`,
    );
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
