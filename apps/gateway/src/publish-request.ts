import { compile, PublishableEvents, PublishItem, publishValidators, type ValidationIssue } from '@ws/protocol';

export type { PublishItem } from '@ws/protocol';

export type ParsedPublishRequest =
  | { ok: true; items: PublishItem[]; single: boolean }
  | { ok: false; status: 400 | 413; message: string; details: ValidationIssue[] };

const MAX_DETAILS = 100;
const envelope = compile(PublishItem);

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
    const checked = envelope.validate(raw);
    if (!checked.ok) {
      for (const issue of checked.errors) details.push({ path: `${at}${issue.path}`, message: issue.message });
      return;
    }
    const { event, data, userId } = checked.value;
    const def = PublishableEvents[event];
    if (def.private && userId === undefined) {
      details.push({ path: `${at}/userId`, message: `is required for ${event} (a user id)` });
    } else if (!def.private && userId !== undefined) {
      details.push({ path: `${at}/userId`, message: `must be absent: ${event} is public` });
    }
    const result = publishValidators[event].input.validate(data);
    if (!result.ok) {
      for (const issue of result.errors) details.push({ path: `${at}/data${issue.path}`, message: issue.message });
      return;
    }
    const item: PublishItem = { event, data };
    if (def.private && userId !== undefined) item.userId = userId;
    items.push(item);
  });
  if (details.length > 0) {
    return { ok: false, status: 400, message: 'invalid payload', details: details.slice(0, MAX_DETAILS) };
  }
  return { ok: true, items, single };
}
