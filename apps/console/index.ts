import { fileURLToPath } from 'node:url';

/** The console's build output (`pnpm --filter @ws/console build`), which the gateway serves at `/admin/console`. */
export const consoleAssetsDir: string = fileURLToPath(new URL('./dist/', import.meta.url));
