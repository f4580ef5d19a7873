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

type Sign = 'positive' | 'non-negative' | 'signed';

const POSITION_RULES: Record<string, Sign> = {
  '/size': 'non-negative',
  '/entryPrice': 'positive',
  '/markPrice': 'positive',
  '/liquidationPrice': 'non-negative',
  '/unrealizedPnl': 'signed',
  '/margin': 'non-negative',
  '/leverage': 'positive',
};
const ORDER_RULES: Record<string, Sign> = {
  '/price': 'non-negative',
  '/quantity': 'non-negative',
  '/filledQuantity': 'non-negative',
};

/** The rule of every decimal field, pinned: prices > 0, amounts ≥ 0, only PnL and changes signed. */
const SIGN_RULES: Record<PublishableEventName, Record<string, Sign>> = {
  'price.update': { '/price': 'positive', '/bid': 'positive', '/ask': 'positive', '/volume': 'non-negative' },
  'price.trade': { '/price': 'positive', '/quantity': 'non-negative' },
  'market.stats': {
    '/open': 'positive',
    '/high': 'positive',
    '/low': 'positive',
    '/last': 'positive',
    '/volume': 'non-negative',
    '/quoteVolume': 'non-negative',
    '/change': 'signed',
    '/changePercent': 'signed',
  },
  'market.ticker': { '/bid': 'positive', '/ask': 'positive', '/last': 'positive' },
  'market.trades': { '/trades/0/price': 'positive', '/trades/0/quantity': 'non-negative' },
  'market.depth': {
    '/bids/0/0': 'positive',
    '/bids/0/1': 'non-negative',
    '/bids/1/0': 'positive',
    '/bids/1/1': 'non-negative',
    '/asks/0/0': 'positive',
    '/asks/0/1': 'non-negative',
  },
  'order.new': ORDER_RULES,
  'order.update': {
    '/price': 'non-negative',
    '/quantity': 'non-negative',
    '/filledQuantity': 'non-negative',
    '/averagePrice': 'non-negative',
  },
  'order.filled': ORDER_RULES,
  'order.cancelled': ORDER_RULES,
  'position.update': POSITION_RULES,
  'position.liquidated': POSITION_RULES,
  'wallet.update': { '/available': 'non-negative', '/locked': 'non-negative', '/total': 'non-negative' },
  'margin.call': { '/marginRatio': 'non-negative', '/maintenanceMargin': 'non-negative' },
  'system.message': {},
};

describe('sign rules of decimal fields', () => {
  const fields = (Object.keys(publishInputExamples) as PublishableEventName[]).flatMap((event) =>
    decimalPointers(PublishableEvents[event].input as Schema, publishInputExamples[event]).map(
      (pointer) => [event, pointer] as const,
    ),
  );

  it('every decimal field has exactly the pinned rule, and the schema says it (x-decimal-sign)', () => {
    const found: Record<string, Record<string, Sign>> = {};
    for (const [event, pointer] of fields) {
      const schema = schemaAt(PublishableEvents[event].input as Schema, pointer);
      const sign = (schema.anyOf?.[0] as { 'x-decimal-sign'?: Sign } | undefined)?.['x-decimal-sign'];
      found[event] = { ...found[event], [pointer]: sign as Sign };
      // The wire schema carries the same rule, so receivers validate what publishers were held to.
      const wire = schemaAt(PublishableEvents[event].schema as Schema, pointer) as { 'x-decimal-sign'?: Sign };
      expect(wire['x-decimal-sign'], `${event} ${pointer} on the wire`).toBe(sign);
    }
    for (const event of Object.keys(SIGN_RULES) as PublishableEventName[]) found[event] ??= {};
    expect(found).toEqual(SIGN_RULES);
  });

  const cases: [Sign, unknown, boolean][] = [
    ['positive', '-1', false],
    ['positive', -1, false],
    ['positive', '0', false],
    ['positive', '0.000', false],
    ['positive', 0, false],
    ['positive', -0, false],
    ['positive', '0.00000001', true],
    ['positive', 1e-8, true],
    ['non-negative', '-0.5', false],
    ['non-negative', -0.5, false],
    ['non-negative', '-0', false],
    ['non-negative', -1e-8, false],
    ['non-negative', '0', true],
    ['non-negative', 0, true],
    ['non-negative', '12.5', true],
    ['signed', '-12.5', true],
    ['signed', -12.5, true],
    ['signed', '0', true],
  ];

  it.each(fields)('%s %s: refuses what its rule refuses, with the pointer, string or number', (event, pointer) => {
    const sign = SIGN_RULES[event][pointer]!;
    for (const [rule, value, accepted] of cases) {
      if (rule !== sign) continue;
      const result = publishValidators[event].input.validate(setAt(publishInputExamples[event], pointer, value));
      expect(result.ok, `${event} ${pointer} = ${JSON.stringify(value)}`).toBe(accepted);
      if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(pointer);
    }
  });
});

function schemaAt(schema: Schema, pointer: string): Schema {
  let at = schema;
  for (const key of pointer.split('/').slice(1)) {
    if (at.properties) at = at.properties[key]!;
    else at = (Array.isArray(at.items) ? at.items[Number(key)] : at.items)!;
  }
  return at;
}
