import { SignJWT } from 'jose';

/** A 64-character HS256 secret for tests. */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef0123456789abcdef01';

/** Signs an HS256 token valid for 10 minutes. */
export function signToken(claims: Record<string, unknown>, secret = TEST_SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}
