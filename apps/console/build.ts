import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('./', import.meta.url));

/** Builds the console into `outDir` with its Vite configuration, as `pnpm --filter @ws/console build` does (for tests). */
export async function buildConsole(outDir: string): Promise<void> {
  await build({ root, configFile: `${root}vite.config.ts`, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}
