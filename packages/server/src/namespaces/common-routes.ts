import { inboundValidators } from '@ws/protocol';
import type { AuthComponent } from '../component-contracts.js';
import { type InboundRoute, route } from '../inbound/inbound-handler.js';
import { WsError } from '../ws-error.js';

/** `ping` and `auth.refresh`, which every namespace accepts. */
export function commonRoutes(auth: AuthComponent | undefined): Record<string, InboundRoute> {
  return {
    ping: route(
      inboundValidators.common.ping,
      (payload) => {
        const result: { serverTime: number; clientTime?: number } = { serverTime: Date.now() };
        if (payload.clientTime !== undefined) result.clientTime = payload.clientTime;
        return result;
      },
      { payloadOptional: true },
    ),
    'auth.refresh': route(inboundValidators.common['auth.refresh'], async (payload, ctx) => {
      if (!auth) throw new WsError('UNAUTHORIZED', 'authentication is not configured');
      return auth.refresh(ctx.socket, payload.token);
    }),
  };
}
