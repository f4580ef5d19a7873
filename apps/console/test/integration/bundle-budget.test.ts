import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../build.js';

/** The budget for the console's JavaScript, minified and gzipped (SDK and framework included). */
const BUDGET_BYTES = 60 * 1024;

let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'console-build-'));
  await buildConsole(out);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the console build', () => {
  it(`ships at most ${BUDGET_BYTES / 1024} KiB of JavaScript, minified and gzipped`, () => {
    const scripts = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const gz = scripts.reduce((sum, f) => sum + gzipSync(readFileSync(join(out, 'assets', f)), { level: 9 }).length, 0);
    console.log(`console JavaScript: ${(gz / 1024).toFixed(1)} KiB min+gz (budget ${BUDGET_BYTES / 1024} KiB)`);
    expect(gz).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('has no inline script or style and loads nothing from another origin', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body?.trim()).toBe('');
      expect(attrs).toMatch(/src="\/admin\/console\/assets\/[^"]+\.js"/);
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    for (const f of readdirSync(join(out, 'assets'))) {
      // No data: URIs (the CSP allows same-origin images only) and no absolute URLs to fetch from.
      const text = readFileSync(join(out, 'assets', f), 'utf8');
      expect(text, f).not.toMatch(/url\(\s*["']?(data:|https?:)/i);
    }
  });
});
