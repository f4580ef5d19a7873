import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as full from '../../src/index.js';
import * as runtime from '../../src/runtime.js';

describe('@ws/protocol/runtime', () => {
  it('loads no TypeBox and no schema: its whole module graph is schema-free', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../../src/runtime.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'error',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => f.includes('typebox'))).toEqual([]);
    expect(inputs.filter((f) => /events\/|primitives|errors\.ts|validat|catalog/.test(f))).toEqual([]);
  });

  it('exports the same values as the main entry (rooms, codes, decimals, checksum, book state)', () => {
    const names = Object.keys(runtime);
    for (const name of ['rooms', 'parseRoom', 'ErrorCodes', 'isErrorCode', 'toDecimalString', 'compareDecimal']) {
      expect(names).toContain(name);
    }
    for (const name of [
      'bookChecksum',
      'crc32',
      'OrderBookState',
      'USER_STREAMS',
      'NAMESPACE_NAMES',
      'SYMBOL_PATTERN',
    ]) {
      expect(names).toContain(name);
    }
    for (const name of names)
      expect((full as Record<string, unknown>)[name], name).toBe((runtime as Record<string, unknown>)[name]);
  });
});
