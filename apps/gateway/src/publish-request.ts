import {
  isPublishableEventName,
  isUserId,
  type PublishableEventName,
  PublishableEvents,
  publishValidators,
  type ValidationIssue,
} from '@ws/protocol';

/** One event a backend service publishes through the HTTP API. */
export interface PublishItem {
  event: PublishableEventName;
  data: Record<string, unknown>;
  /** Required for private (per-user) events, refused on public ones. */
  userId?: string;
}

export type ParsedPublishRequest =
  | { ok: true; items: PublishItem[]; single: boolean }
  | { ok: false; status: 400 | 413; message: string; details: ValidationIssue[] };

const MAX_DETAILS = 100;
const ENVELOPE_KEYS = new Set(['event', 'data', 'userId']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a publish body (one `{ event, data, userId? }` or an array of them) against the protocol,
 * collecting every issue with a JSON-pointer path, so a request is accepted whole or not at all.
 */
export function parsePublishRequest(body: unknown, maxItems: number): ParsedPublishRequest {
  const single = !Array.isArray(body);
  const list: unknown[] = Array.isArray(body) ? body : [body];
  if (list.length === 0) {
    return { ok: false, status: 400, message: 'no events', details: [{ path: '', message: 'must not be empty' }] };
  }
  if (list.length > maxItems) {
    return {
      ok: false,
      status: 413,
      message: `at most ${maxItems} events per request`,
      details: [{ path: '', message: `must have at most ${maxItems} items, got ${list.length}` }],
    };
  }
  const details: ValidationIssue[] = [];
  const items: PublishItem[] = [];
  list.forEach((raw, index) => {
    if (details.length >= MAX_DETAILS) return;
    const at = single ? '' : `/${index}`;
    if (!isPlainObject(raw)) {
      details.push({ path: at, message: 'must be an object { event, data, userId? }' });
      return;
    }
    for (const key of Object.keys(raw)) {
      if (!ENVELOPE_KEYS.has(key)) details.push({ path: `${at}/${escapePointer(key)}`, message: 'unknown property' });
    }
    const { event, data, userId } = raw;
    if (!isPublishableEventName(event)) {
      details.push({ path: `${at}/event`, message: 'must be a publishable event name' });
      return;
    }
    const def = PublishableEvents[event];
    if (def.private) {
      if (!isUserId(userId)) details.push({ path: `${at}/userId`, message: `is required for ${event} (a user id)` });
    } else if (userId !== undefined) {
      details.push({ path: `${at}/userId`, message: `must be absent: ${event} is public` });
    }
    const result = publishValidators[event].input.validate(data);
    if (!result.ok) {
      for (const issue of result.errors) details.push({ path: `${at}/data${issue.path}`, message: issue.message });
      return;
    }
    const item: PublishItem = { event, data: data as Record<string, unknown> };
    if (def.private && typeof userId === 'string') item.userId = userId;
    items.push(item);
  });
  if (details.length > 0) {
    return { ok: false, status: 400, message: 'invalid payload', details: details.slice(0, MAX_DETAILS) };
  }
  return { ok: true, items, single };
}

function escapePointer(key: string): string {
  return key.slice(0, 64).replace(/~/g, '~0').replace(/\//g, '~1');
}
