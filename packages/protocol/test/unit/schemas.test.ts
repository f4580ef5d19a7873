import {
  AckError,
  adminCommandValidators,
  type CompiledSchema,
  compile,
  describeIssues,
  inboundValidators,
  MAX_LIST_ITEMS,
  normalizeDecimals,
  PublishableEvents,
  publishValidators,
  WsErrorPayload,
} from '@ws/protocol';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { adminCommandExamples, inboundExamples, publishInputExamples, wireExamples } from './examples.js';

type Json = { [key: string]: unknown };
type PropSchema = { type?: string; 'x-decimal'?: boolean; anyOf?: PropSchema[]; pattern?: string; items?: unknown };

interface SchemaCase {
  name: string;
  validator: CompiledSchema<TSchema>;
  example: Json;
  /** Closed schemas (everything that enters the system) reject unknown keys. */
  closed: boolean;
}

const cases: SchemaCase[] = [];
for (const [ns, events] of Object.entries(inboundValidators)) {
  const examples = inboundExamples[ns as keyof typeof inboundExamples] as Record<string, Json>;
  for (const [event, validator] of Object.entries(events as Record<string, CompiledSchema<TSchema>>)) {
    cases.push({ name: `inbound ${ns} ${event}`, validator, example: examples[event]!, closed: true });
  }
}
for (const [command, validator] of Object.entries(adminCommandValidators)) {
  const example = adminCommandExamples[command as keyof typeof adminCommandExamples];
  cases.push({
    name: `admin command ${command}`,
    validator: validator as CompiledSchema<TSchema>,
    example,
    closed: true,
  });
}
for (const [event, { input, wire }] of Object.entries(publishValidators)) {
  const name = event as keyof typeof publishValidators;
  cases.push({ name: `publish input ${event}`, validator: input, example: publishInputExamples[name], closed: true });
  cases.push({ name: `wire ${event}`, validator: wire, example: wireExamples[name], closed: false });
}

const props = (c: SchemaCase) =>
  Object.entries((JSON.parse(JSON.stringify(c.validator.schema)).properties ?? {}) as Record<string, PropSchema>);
const required = (c: SchemaCase): string[] => JSON.parse(JSON.stringify(c.validator.schema)).required ?? [];
const isDecimal = (s: PropSchema) =>
  s['x-decimal'] === true || (s.anyOf?.some((a) => a['x-decimal'] === true) ?? false);
const isStringish = (s: PropSchema) => s.type === 'string' || (s.anyOf?.some((a) => a.type === 'string') ?? false);
const isSymbol = (s: PropSchema) => s.pattern === '^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$';

const BAD_SYMBOLS = ['btc/usdt', 'BTC-USDT', 'BTC/USDT/X', '', 'BTC/', '/USDT', 'BTC /USDT', `${'A'.repeat(21)}/USDT`];
const BAD_DECIMALS = ['1e5', '01', '1.', '.5', ' 1', '1 ', '+1', '1,5', '', '-', '0x10', 'NaN', 'Infinity', '--1'];
const MIB = 'A'.repeat(1 << 20);

const rejects = (c: SchemaCase, value: unknown) => {
  const result = c.validator.validate(value);
  expect(result.ok, `${c.name} accepted ${JSON.stringify(value)?.slice(0, 200)}`).toBe(false);
  if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
};

describe.each(cases)('$name', (c) => {
  it('accepts the valid example', () => {
    const result = c.validator.validate(c.example);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(c.validator.check(c.example)).toBe(true);
  });

  it('rejects non-objects', () => {
    for (const value of [null, undefined, 'x', 42, [], true]) rejects(c, value);
  });

  it('rejects each missing required field', () => {
    for (const key of required(c)) {
      const { [key]: _removed, ...rest } = c.example;
      rejects(c, rest);
    }
  });

  it('rejects a wrong type in each field', () => {
    for (const [key, schema] of props(c)) rejects(c, { ...c.example, [key]: schema.type === 'boolean' ? 'x' : true });
  });

  it('rejects a 1 MiB string in each string field', () => {
    for (const [key, schema] of props(c)) if (isStringish(schema)) rejects(c, { ...c.example, [key]: MIB });
  });

  it('rejects 10 000-element arrays', () => {
    for (const [key, schema] of props(c)) {
      if (schema.type !== 'array') continue;
      const item = (c.example[key] as unknown[] | undefined)?.[0] ?? 'BTC/USDT';
      rejects(c, { ...c.example, [key]: new Array(10_000).fill(item) });
    }
  });

  it('rejects NaN, ±Infinity and malformed strings in decimal fields', () => {
    for (const [key, schema] of props(c)) {
      if (!isDecimal(schema)) continue;
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, ...BAD_DECIMALS]) {
        rejects(c, { ...c.example, [key]: bad });
      }
    }
  });

  it('rejects malformed symbols', () => {
    for (const [key, schema] of props(c)) {
      if (!isSymbol(schema)) continue;
      for (const bad of BAD_SYMBOLS) rejects(c, { ...c.example, [key]: bad });
    }
    if (Array.isArray(c.example['symbols'])) {
      for (const bad of BAD_SYMBOLS) rejects(c, { ...c.example, symbols: ['BTC/USDT', bad] });
    }
  });
});

describe.each(cases.filter((c) => c.closed))('$name (closed)', (c) => {
  it('rejects __proto__, constructor and unknown keys', () => {
    const body = JSON.stringify(c.example).slice(1);
    const proto = JSON.parse(`{"__proto__":{"isAdmin":true}${body === '}' ? '' : ','}${body}`) as Json;
    expect(Object.hasOwn(proto, '__proto__')).toBe(true);
    rejects(c, proto);
    rejects(c, { ...c.example, constructor: { prototype: {} } });
    rejects(c, JSON.parse(`{"constructor":"x"${body === '}' ? '' : ','}${body}`));
    rejects(c, { ...c.example, extra: 1 });
    expect(({} as Json)['isAdmin']).toBeUndefined();
  });
});

describe('list bounds', () => {
  const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${i}/USDT`);
  const prices = inboundValidators['/prices'].subscribe;
  const market = inboundValidators['/market'].subscribe;

  it('needs at least one symbol and one channel', () => {
    expect(prices.check({ symbols: [] })).toBe(false);
    expect(market.check({ channels: [], symbols: ['BTC/USDT'] })).toBe(false);
    expect(market.check({ channels: ['depth'], symbols: [] })).toBe(false);
  });

  it(`accepts ${MAX_LIST_ITEMS} symbols and rejects one more, so configured limits answer LIMIT_EXCEEDED`, () => {
    expect(prices.check({ symbols: symbols(MAX_LIST_ITEMS) })).toBe(true);
    expect(prices.check({ symbols: symbols(MAX_LIST_ITEMS + 1) })).toBe(false);
    expect(market.check({ channels: ['depth'], symbols: symbols(MAX_LIST_ITEMS) })).toBe(true);
    expect(market.check({ channels: ['depth'], symbols: symbols(MAX_LIST_ITEMS + 1) })).toBe(false);
  });

  it('rejects unknown market channels', () => {
    for (const channel of ['book', 'DEPTH', '', 'depth:BTC/USDT', '__proto__']) {
      expect(market.check({ channels: [channel], symbols: ['BTC/USDT'] }), channel).toBe(false);
    }
  });
});

describe('nested payloads', () => {
  const depthInput = publishValidators['market.depth'].input;
  const depthWire = publishValidators['market.depth'].wire;
  const depth = publishInputExamples['market.depth'];
  const wire = wireExamples['market.depth'];

  it('rejects malformed depth levels', () => {
    for (const level of [
      ['1'],
      ['1', '2', '3'],
      ['1e5', '1'],
      ['1', Number.NaN],
      [1, Number.POSITIVE_INFINITY],
      '1:2',
      {},
    ]) {
      expect(depthInput.check({ ...depth, bids: [level] }), JSON.stringify(level)).toBe(false);
      expect(depthWire.check({ ...wire, asks: [level] }), JSON.stringify(level)).toBe(false);
    }
    expect(depthWire.check({ ...wire, bids: [[50000, '1']] }), 'wire decimals are strings').toBe(false);
  });

  it('bounds depth levels per side', () => {
    expect(depthInput.check({ ...depth, bids: new Array(10_000).fill(['1', '1']) })).toBe(false);
  });

  it('rejects wire checksums outside uint32 and negative seq', () => {
    expect(depthWire.check({ ...wire, checksum: 2 ** 32 })).toBe(false);
    expect(depthWire.check({ ...wire, checksum: -1 })).toBe(false);
    expect(depthWire.check({ ...wire, seq: -1 })).toBe(false);
    expect(depthWire.check({ ...wire, seq: 1.5 })).toBe(false);
  });

  it('rejects bad trades inside market.trades and closes them', () => {
    const v = publishValidators['market.trades'].input;
    const base = publishInputExamples['market.trades'];
    const trade = (base['trades'] as Json[])[0]!;
    expect(v.check({ ...base, trades: [] })).toBe(false);
    expect(v.check({ ...base, trades: [{ ...trade, price: Number.NaN }] })).toBe(false);
    expect(v.check({ ...base, trades: [{ ...trade, price: '1e5' }] })).toBe(false);
    expect(v.check({ ...base, trades: [{ ...trade, extra: 1 }] })).toBe(false);
    expect(v.check({ ...base, trades: [JSON.parse(`{"__proto__":{},${JSON.stringify(trade).slice(1)}`)] })).toBe(false);
  });

  it('bounds the admin.command envelope and checks args per command', () => {
    const envelope = inboundValidators['/admin']['admin.command'];
    expect(envelope.check({ command: 'nope' })).toBe(true);
    expect(envelope.check({ command: '' })).toBe(false);
    expect(envelope.check({ command: 'x'.repeat(65) })).toBe(false);
    expect(adminCommandValidators['connections.list'].check({ limit: 0 })).toBe(false);
    expect(adminCommandValidators['connections.disconnect'].check({})).toBe(false);
    expect(adminCommandValidators['connections.list'].check({ userId: 'a b' })).toBe(false);
  });
});

describe('valid edge cases', () => {
  it('accepts ping without clientTime and decimals at the edges', () => {
    expect(inboundValidators.common.ping.check({})).toBe(true);
    const v = publishValidators['price.update'].input;
    const base = publishInputExamples['price.update'];
    for (const good of ['0.00000001', '123456789012345678901234567890', 1e-7, 1e21]) {
      expect(v.check({ ...base, price: good }), String(good)).toBe(true);
    }
    const stats = publishValidators['market.stats'].input;
    for (const good of ['0', '-1.5', '0.00000001', 0, -0.5, 1e-7]) {
      expect(stats.check({ ...publishInputExamples['market.stats'], change: good }), String(good)).toBe(true);
    }
  });
});

describe('error payloads', () => {
  const ackError = compile(AckError);
  const payload = compile(WsErrorPayload);

  it('accepts a failed ack with a known code', () => {
    expect(ackError.check({ ok: false, error: { code: 'LIMIT_EXCEEDED', message: 'too many symbols' } })).toBe(true);
    expect(payload.check({ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 1000 })).toBe(true);
  });

  it('rejects unknown codes, ok: true and oversized messages', () => {
    expect(payload.check({ code: 'NOPE', message: 'x' })).toBe(false);
    expect(payload.check({ code: 'INTERNAL', message: MIB })).toBe(false);
    expect(ackError.check({ ok: true, error: { code: 'INTERNAL', message: 'x' } })).toBe(false);
  });

  it('describes issues in one bounded line', () => {
    const result = inboundValidators['/prices'].subscribe.validate({ symbols: [MIB] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.path).toBe('/symbols/0');
    expect(describeIssues(result.errors).length).toBeLessThanOrEqual(300);
  });
});

describe('normalizeDecimals', () => {
  it('turns every decimal of each valid input into a canonical string the wire schema accepts', () => {
    for (const [event, def] of Object.entries(PublishableEvents)) {
      const name = event as keyof typeof PublishableEvents;
      const out = normalizeDecimals(def.input, publishInputExamples[name]) as Json;
      const wire = { ...out, timestamp: out['timestamp'] ?? 1, ...(event === 'system.message' ? {} : { seq: 1 }) };
      // The server stamps what publishers may omit: seq, per-trade timestamps, depth continuity.
      const extra =
        event === 'market.depth'
          ? { prevSeq: 0, checksum: 0 }
          : event === 'market.trades'
            ? { trades: (out['trades'] as Json[]).map((trade) => ({ timestamp: 1, ...trade })) }
            : {};
      const result = publishValidators[name].wire.validate({ ...wire, ...extra });
      expect(result.ok ? [] : result.errors, event).toEqual([]);
    }
  });

  it('canonicalises nested tuples and arrays', () => {
    const out = normalizeDecimals(PublishableEvents['market.depth'].input, {
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: [[49999.5, 2]],
      asks: [['50001.10', '0.750']],
    });
    expect(out).toEqual({
      symbol: 'BTC/USDT',
      type: 'snapshot',
      bids: [['49999.5', '2']],
      asks: [['50001.1', '0.75']],
    });
  });
});
