import type { IncomingHttpHeaders } from 'node:http';

/**
 * The client IP of a request: the socket's address, or with `trustProxy` the last `X-Forwarded-For` entry (the one
 * your own proxy added; earlier entries are whatever the client sent). IPv4-mapped IPv6 addresses are unmapped.
 */
export function clientIp(
  address: string | undefined,
  headers: IncomingHttpHeaders | undefined,
  trustProxy: boolean,
): string {
  let ip = address ?? '';
  if (trustProxy) {
    const header = headers?.['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value
      ?.split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .pop();
    if (last !== undefined) ip = last;
  }
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
