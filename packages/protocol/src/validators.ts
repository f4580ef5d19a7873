import { PublishableEvents } from './catalog.js';
import type { PublishableEventName } from './event-traits.js';
import {
  AdminBroadcastRequest,
  type AdminCommandName,
  AdminCommandRequest,
  AdminCommands,
  AdminMetricsRequest,
} from './events/admin.js';
import { AuthRefreshRequest, HandshakeAuth, PingRequest } from './events/common.js';
import { MarketSnapshotRequest, MarketSubscribeRequest } from './events/market.js';
import { PricesSubscribeRequest } from './events/prices.js';
import { UserRecoverySince } from './events/user.js';
import { type CompiledSchema, compile } from './validation.js';

/** Compiled validators for every client→server payload, per namespace and event. */
export const inboundValidators = {
  common: {
    ping: compile(PingRequest),
    'auth.refresh': compile(AuthRefreshRequest),
  },
  '/prices': {
    subscribe: compile(PricesSubscribeRequest),
    unsubscribe: compile(PricesSubscribeRequest),
  },
  '/market': {
    subscribe: compile(MarketSubscribeRequest),
    unsubscribe: compile(MarketSubscribeRequest),
    'market.snapshot': compile(MarketSnapshotRequest),
  },
  '/user': {},
  '/admin': {
    'admin.metrics': compile(AdminMetricsRequest),
    'admin.command': compile(AdminCommandRequest),
    'admin.broadcast': compile(AdminBroadcastRequest),
  },
} as const;

/** Compiled validators of the handshake `auth` object (every namespace) and of its `/user` fields. */
export const handshakeValidators = {
  auth: compile(HandshakeAuth),
  '/user': { since: compile(UserRecoverySince) },
} as const;

/** Compiled validators of each admin command's args. */
export const adminCommandValidators = Object.fromEntries(
  Object.entries(AdminCommands).map(([name, def]) => [name, compile(def.args)]),
) as { [C in AdminCommandName]: CompiledSchema<(typeof AdminCommands)[C]['args']> };

type Publishable = typeof PublishableEvents;

/** Compiled validators for what publishers pass (`input`) and for what goes on the wire (`wire`). */
export const publishValidators = Object.fromEntries(
  Object.entries(PublishableEvents).map(([name, def]) => [
    name,
    { input: compile(def.input), wire: compile(def.schema) },
  ]),
) as {
  [E in PublishableEventName]: {
    input: CompiledSchema<Publishable[E]['input']>;
    wire: CompiledSchema<Publishable[E]['schema']>;
  };
};
