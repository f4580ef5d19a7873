import {
  isDecimalNumber,
  normalizeDecimals,
  type PublishableEventName,
  PublishableEvents,
  publishValidators,
  tryDecimalString,
} from '@ws/protocol';
import { describe, expect, it } from 'vitest';
import { publishInputExamples } from './examples.js';

type Schema = {
  'x-decimal'?: boolean;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
};

const isDecimal = (s: Schema) => s['x-decimal'] === true || (s.anyOf?.some((b) => b['x-decimal'] === true) ?? false);

/** JSON pointers of every decimal field present in `value`, found by walking the schema. */
function decimalPointers(schema: Schema, value: unknown, at = ''): string[] {
  if (isDecimal(schema)) return [at];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => {
      const items = Array.isArray(schema.items) ? schema.items[i] : schema.items;
      return items ? decimalPointers(items, v, `${at}/${i}`) : [];
    });
  }
  if (value !== null && typeof value === 'object' && schema.properties) {
    return Object.entries(value).flatMap(([k, v]) => {
      const sub = schema.properties?.[k];
      return sub ? decimalPointers(sub, v, `${at}/${k}`) : [];
    });
  }
  return [];
}

function setAt(value: unknown, pointer: string, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = pointer.split('/').slice(1);
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = replacement;
  return copy;
}

/** Finite numbers without a plain decimal form of at most 64 characters. */
const UNCONVERTIBLE = [1e300, -1e300, 1e-300, 1e64, 5e-324, -5e-324, Number.MAX_VALUE, 1.2345678901234566e-50];

describe('decimal conversion of finite numbers', () => {
  it.each(UNCONVERTIBLE)('%s has no wire form: tryDecimalString is undefined, toDecimalString a TypeError', (n) => {
    expect(tryDecimalString(n)).toBeUndefined();
    expect(isDecimalNumber(n)).toBe(false);
  });

  it.each([
    [1e63, `1${'0'.repeat(63)}`],
    [1e-45, `0.${'0'.repeat(44)}1`],
    [1e21, '1000000000000000000000'],
    [-0, '0'],
  ])('%s still converts (to %s)', (n, expected) => {
    expect(tryDecimalString(n)).toBe(expected);
    expect(isDecimalNumber(n)).toBe(true);
  });

  const fields = (Object.keys(publishInputExamples) as PublishableEventName[]).flatMap((event) =>
    decimalPointers(PublishableEvents[event].input as Schema, publishInputExamples[event]).map(
      (pointer) => [event, pointer] as const,
    ),
  );

  it('finds the decimal fields to test', () => {
    expect(fields.length).toBeGreaterThan(40);
    expect(fields).toContainEqual(['market.depth', '/bids/1/0']);
  });

  it.each(fields)('%s %s: an unconvertible number is a validation issue at its pointer', (event, pointer) => {
    for (const n of UNCONVERTIBLE) {
      const data = setAt(publishInputExamples[event], pointer, n);
      const result = publishValidators[event].input.validate(data);
      expect(result.ok, `${event} ${pointer} = ${n}`).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(pointer);
    }
  });

  it.each(Object.keys(publishInputExamples) as PublishableEventName[])(
    '%s: whatever passes validation normalises without throwing',
    (event) => {
      const valid = publishValidators[event].input.validate(publishInputExamples[event]);
      expect(valid.ok).toBe(true);
      if (valid.ok) {
        const wire = normalizeDecimals(PublishableEvents[event].input, valid.value);
        expect(wire).toBeTypeOf('object');
      }
    },
  );
});
