import { PublishableEvents } from './catalog.js';
import { CHECKSUM_DEPTH } from './checksum.js';
import * as errors from './errors.js';
import { type ErrorCode, ErrorCodes } from './errors.js';
import { type EventSpec, NamespaceEventCatalog } from './event-catalog.js';
import * as admin from './events/admin.js';
import * as common from './events/common.js';
import * as market from './events/market.js';
import * as prices from './events/prices.js';
import * as user from './events/user.js';
import type { NamespaceName } from './namespaces.js';
import * as primitives from './primitives.js';
import { parseRoom } from './rooms.js';
import { PROTOCOL_VERSION } from './version.js';

/** A JSON value as the AsyncAPI document holds it. */
export type AsyncApiJson = string | number | boolean | null | AsyncApiJson[] | { [key: string]: AsyncApiJson };
export type AsyncApiDocument = { [key: string]: AsyncApiJson };

export interface AsyncApiOptions {
  /** `info.version`: the version of `@ws/protocol` the document describes. */
  version: string;
  /** Host of the `development` server. */
  host?: string;
}

// Typed as a full record so a new error code cannot be published without a description.
const errorCodeText: Record<ErrorCode, string> = {
  UNAUTHORIZED: 'Missing, malformed, forged or expired token where one is required.',
  FORBIDDEN: 'Valid token without the role or identity this namespace or action needs.',
  RATE_LIMITED: 'Too many requests or connections; `retryAfterMs` says when to try again.',
  MAINTENANCE: 'The gateway refuses new non-admin connections during maintenance.',
  INVALID_PAYLOAD: 'The payload does not match the protocol schema.',
  UNKNOWN_SYMBOL: "A symbol that is not in the gateway's configured symbol set.",
  LIMIT_EXCEEDED: 'A subscription limit would be exceeded; nothing was applied.',
  NOT_FOUND: 'Unknown command, socket or resource.',
  INTERNAL: 'The server failed while handling the request; it was counted and logged.',
  SLOW_CONSUMER: 'The client read too slowly and was disconnected.',
  UNAVAILABLE:
    'A dependency the request needs (Redis) is unavailable; nothing was done, retry after `retryAfterMs` (HTTP: 503 with `Retry-After`).',
};

function description(): string {
  const codes = Object.values(ErrorCodes)
    .map((code) => `| \`${code}\` | ${errorCodeText[code]} |`)
    .join('\n');
  return [
    `Socket.IO 4 gateway of a crypto trading platform, wire protocol version ${PROTOCOL_VERSION}.`,
    'Each namespace is one channel; operations are described from the gateway: it `receive`s client requests and `send`s streams.',
    '',
    '## Conventions',
    '',
    '- **Decimals are strings** (`"50000.12"`, schema keyword `x-decimal: true`): canonical, no exponent, no leading or trailing zeros. Publishers may pass numbers; the gateway normalises them.',
    '- **Sign rules** (schema keyword `x-decimal-sign`): `positive` (> 0) for prices and leverage, `non-negative` (≥ 0) for sizes, volumes, quantities and balances (a depth quantity `"0"` removes the level; an order price `"0"` is a market order), `signed` only for values that can really be negative (PnL, 24h change). Anything else is `INVALID_PAYLOAD`.',
    '- **seq**: every message published to a room carries `seq`, increasing by exactly 1 per room; a gap means a lost message.',
    `- **Order book**: \`market.depth\` starts with a \`snapshot\`, then \`delta\`s whose \`prevSeq\` equals the previous \`seq\`; quantity \`"0"\` removes a level; \`checksum\` is the CRC-32 of \`bid1Price:bid1Qty:ask1Price:ask1Qty:…\` over the top ${CHECKSUM_DEPTH} levels per side after applying the message. On a gap or checksum mismatch, request \`market.snapshot\`.`,
    '- **Acks**: every request takes an ack callback answered with `{ ok: true, ...result }` or `{ ok: false, error: { code, message, retryAfterMs?, details? } }` (the operation `reply`). Without an ack a failure arrives as the `error` event.',
    '- **Handshake `auth`** is `HandshakeAuth`: `{ token?, since? }` and nothing else (`INVALID_PAYLOAD` otherwise).',
    '- **Connection refusals** arrive as `connect_error` with `message === code` and `data: { code, message }`.',
    '',
    '## Error codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    codes,
  ].join('\n');
}

// TypeBox marks every schema with a hidden `~kind`; plain objects (e.g. `ErrorCodes`) lack it.
function isTypeBoxSchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, '~kind');
}

const schemaModules = [primitives, errors, common, prices, market, user, admin];

/** Every exported TypeBox schema by export name, plus each admin command's args and result. */
function collectSchemas(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const mod of schemaModules) {
    for (const [name, value] of Object.entries(mod)) if (isTypeBoxSchema(value)) out.set(name, value);
  }
  for (const [name, def] of Object.entries(admin.AdminCommands)) {
    out.set(`AdminCommand.${name}.Args`, def.args);
    out.set(`AdminCommand.${name}.Result`, def.result);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** JSON round-trip: drops TypeBox's internal symbol keys and shared identities. */
function json(value: unknown): AsyncApiJson {
  return JSON.parse(JSON.stringify(value)) as AsyncApiJson;
}

const nsKey = (ns: NamespaceName) => ns.slice(1);

type RoomChannel = { id: string; address: string; parameters: Record<string, AsyncApiJson>; events: string[] };

const symbolParameter = { description: 'Market symbol, BASE/QUOTE upper case.', examples: ['BTC/USDT'] };
const userIdParameter = { description: 'Id of the authenticated user; only their own sockets join.' };

/** The room each publishable event goes to, derived from the catalogue's own room functions. */
function roomChannels(): Map<string, RoomChannel> {
  const out = new Map<string, RoomChannel>();
  for (const [event, def] of Object.entries(PublishableEvents)) {
    const room = def.room({ symbol: 'BTC/USDT' }, 'user-1');
    const parsed = room === null ? null : parseRoom(room);
    if (!parsed || def.namespace === 'all') continue;
    let channel: Omit<RoomChannel, 'events'>;
    if (parsed.kind === 'prices') {
      channel = { id: 'prices.room', address: 'prices:{symbol}', parameters: { symbol: symbolParameter } };
    } else if (parsed.kind === 'market') {
      channel = {
        id: `market.${parsed.channel}.room`,
        address: `market:${parsed.channel}:{symbol}`,
        parameters: { symbol: symbolParameter },
      };
    } else {
      channel = {
        id: `user.${parsed.kind}.room`,
        address: `${parsed.kind}:{userId}`,
        parameters: { userId: userIdParameter },
      };
    }
    const existing = out.get(channel.id) ?? { ...channel, events: [] };
    existing.events.push(event);
    out.set(channel.id, existing);
  }
  return out;
}

/**
 * Builds the AsyncAPI 3.0 document of the wire protocol from the schemas and the event catalogue.
 * Pure and deterministic (sorted keys), so the committed YAML can be compared byte for byte.
 */
export function buildAsyncApiDocument(options: AsyncApiOptions): AsyncApiDocument {
  const schemas = collectSchemas();
  const names = new Map<unknown, string>();
  for (const [name, schema] of schemas) if (!names.has(schema)) names.set(schema, name);
  const ref = (schema: unknown): AsyncApiJson => {
    const name = names.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : json(schema);
  };

  const channels: Record<string, AsyncApiJson> = {};
  const operations: Record<string, AsyncApiJson> = {};
  const messages: Record<string, AsyncApiJson> = {};
  const rooms = roomChannels();
  const roomOf = new Map<string, RoomChannel>();
  for (const room of rooms.values()) for (const event of room.events) roomOf.set(event, room);
  const roomMessages = new Map<string, Record<string, AsyncApiJson>>();

  for (const ns of Object.keys(NamespaceEventCatalog).sort() as NamespaceName[]) {
    const key = nsKey(ns);
    const catalog = NamespaceEventCatalog[ns];
    const channelMessages: Record<string, AsyncApiJson> = {};
    const channelRef = { $ref: `#/channels/${key}` };

    const requests = Object.entries(catalog.clientToServer as Record<string, EventSpec>).sort(byKey);
    for (const [event, spec] of requests) {
      const id = `${key}.receive.${event}`;
      messages[id] = { name: event, title: `${event} (client → server)`, payload: ref(spec.payload) };
      channelMessages[`receive.${event}`] = { $ref: `#/components/messages/${id}` };
      const operation: Record<string, AsyncApiJson> = {
        action: 'receive',
        channel: channelRef,
        summary: `Client request \`${event}\` on ${ns}.`,
        messages: [{ $ref: `#/channels/${key}/messages/receive.${event}` }],
      };
      if (spec.ack) {
        const ackId = `${key}.reply.${event}`;
        messages[ackId] = {
          name: `${event} ack`,
          title: `${event} acknowledgement`,
          payload: { oneOf: [ref(spec.ack), ref(errors.AckError)] },
        };
        channelMessages[`reply.${event}`] = { $ref: `#/components/messages/${ackId}` };
        operation['reply'] = {
          channel: channelRef,
          messages: [{ $ref: `#/channels/${key}/messages/reply.${event}` }],
        };
      }
      operations[id] = operation;
    }

    const streams = Object.entries(catalog.serverToClient as Record<string, EventSpec>).sort(byKey);
    for (const [event, spec] of streams) {
      const id = `${key}.send.${event}`;
      const publishable = Object.hasOwn(PublishableEvents, event)
        ? PublishableEvents[event as keyof typeof PublishableEvents]
        : undefined;
      messages[id] = {
        name: event,
        title: `${event} (server → client)`,
        ...(publishable ? { summary: publishable.description } : {}),
        payload: ref(spec.payload),
      };
      channelMessages[`send.${event}`] = { $ref: `#/components/messages/${id}` };
      const room = roomOf.get(event);
      const roomCatalog = room ? (roomMessages.get(room.id) ?? {}) : undefined;
      if (room && roomCatalog) {
        roomCatalog[`send.${event}`] = { $ref: `#/components/messages/${id}` };
        roomMessages.set(room.id, roomCatalog);
      }
      operations[id] = {
        action: 'send',
        channel: { $ref: `#/channels/${room ? room.id : key}` },
        summary: `Server event \`${event}\` on ${ns}${room ? `, to room \`${room.address}\`` : ''}.`,
        messages: [{ $ref: `#/channels/${room ? room.id : key}/messages/send.${event}` }],
      };
    }

    channels[key] = {
      address: ns,
      title: `${ns} namespace`,
      messages: sortKeys(channelMessages),
    };
  }

  for (const room of rooms.values()) {
    channels[room.id] = {
      address: room.address,
      title: `room ${room.address}`,
      description: 'A Socket.IO room inside its namespace; the server joins sockets to it.',
      parameters: room.parameters,
      messages: sortKeys(roomMessages.get(room.id) ?? {}),
    };
  }

  const components: Record<string, AsyncApiJson> = {};
  for (const [name, schema] of schemas) components[name] = json(schema);

  return json({
    asyncapi: '3.0.0',
    info: {
      title: 'Trading WebSocket gateway',
      version: options.version,
      description: description(),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      development: {
        host: options.host ?? 'localhost:3000',
        protocol: 'ws',
        description: 'Local gateway (Socket.IO 4 over WebSocket).',
      },
    },
    channels: sortKeys(channels),
    operations: sortKeys(operations),
    components: { schemas: components, messages: sortKeys(messages) },
  }) as AsyncApiDocument;
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(byKey));
}
