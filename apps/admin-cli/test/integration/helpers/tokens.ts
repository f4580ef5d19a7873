import { signToken as signWithSecret } from '../../../../gateway/test/integration/helpers/tokens.js';
import { TEST_SECRET } from './test-gateway.js';

/** Signs an HS256 token (`sub`, `role`) valid for 10 minutes, by default one the test gateway trusts. */
export function signToken(claims: { sub: string; role?: string }, secret = TEST_SECRET): Promise<string> {
  return signWithSecret(claims, secret);
}
