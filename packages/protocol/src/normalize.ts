import { toDecimalString } from './decimal.js';

type JsonSchema = {
  'x-decimal'?: boolean;
  type?: string;
  properties?: Record<string, JsonSchema>;
  /** A schema for every item, or (draft-7 tuples, as TypeBox emits them) one per position. */
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
};

function isDecimalSchema(schema: JsonSchema): boolean {
  return schema['x-decimal'] === true || (schema.anyOf?.some((s) => s['x-decimal'] === true) ?? false);
}

/**
 * Converts a validated publisher payload to its wire form: every decimal field (numbers or strings)
 * becomes a canonical decimal string. Walks the input schema, so the schema stays the one truth.
 */
export function normalizeDecimals<T>(schema: unknown, value: T): T {
  return walk(schema as JsonSchema, value) as T;
}

function walk(schema: JsonSchema, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (isDecimalSchema(schema)) {
    return typeof value === 'number' || typeof value === 'string' ? toDecimalString(value) : value;
  }
  if (Array.isArray(value)) {
    const positional = schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : undefined);
    if (positional) return value.map((v, i) => (positional[i] ? walk(positional[i], v) : v));
    const items = schema.items;
    return items && !Array.isArray(items) ? value.map((v) => walk(items, v)) : value;
  }
  if (typeof value === 'object' && schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = schema.properties[key];
      out[key] = sub ? walk(sub, v) : v;
    }
    return out;
  }
  return value;
}
