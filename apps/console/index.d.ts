/** The console's build output (`pnpm --filter @ws/console build`), which the gateway serves at `/admin/console`. */
export declare const consoleAssetsDir: string;
