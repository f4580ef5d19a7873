import { fileURLToPath } from 'node:url';

// Plain JavaScript (typed by index.d.ts), so the compiled gateway loads it with `node` alone.
/** The console's build output (`pnpm --filter @ws/console build`), which the gateway serves at `/admin/console`. */
export const consoleAssetsDir = fileURLToPath(new URL('./dist/', import.meta.url));
