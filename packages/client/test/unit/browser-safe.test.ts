import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('../../src/', import.meta.url);
const NODE_ONLY = /from\s+['"](node:[^'"]+|events|buffer|fs|path|crypto|stream|util|net|http|https|zlib|os)['"]/;

describe('src is browser-safe', () => {
  it('imports no Node built-ins and uses no Node globals', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(new URL(file, srcDir), 'utf8');
      expect(text, file).not.toMatch(NODE_ONLY);
      expect(text, file).not.toMatch(/\b(Buffer|process|require)\s*[.(]/);
    }
  });
});
