import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildAsyncApiDocument } from '@ws/protocol/internal';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const specPath = require.resolve('@asyncapi/specs/schemas/3.0.0-without-$id.json');
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Record<string, unknown>;
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('AsyncAPI document against the official AsyncAPI 3.0.0 JSON Schema', () => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(spec);

  it('is valid', () => {
    const ok = validate(buildAsyncApiDocument({ version }));
    expect(ok ? [] : validate.errors?.slice(0, 10)).toEqual([]);
  });

  it('can fail: a document with an unknown operation action is rejected', () => {
    const doc = buildAsyncApiDocument({ version });
    const operations = doc['operations'] as Record<string, Record<string, unknown>>;
    const first = Object.values(operations)[0]!;
    first['action'] = 'publish';
    expect(validate(doc)).toBe(false);
  });
});
