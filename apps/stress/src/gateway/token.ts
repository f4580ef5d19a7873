import type { Role } from '@ws/protocol';
import { SignJWT } from 'jose';

/** Claims of a token the tool mints for its simulated users or its publisher. */
export interface MintOptions {
  userId: string;
  role: Role;
  /** Lifetime in seconds. */
  ttlSec: number;
}

/** Mints an HS256 JWT with the gateway's shared secret (`WS_JWT_SECRET`). */
export async function mintToken(secret: string, options: MintOptions): Promise<string> {
  const key = new TextEncoder().encode(secret);
  return new SignJWT({ userId: options.userId, role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSec)
    .sign(key);
}
