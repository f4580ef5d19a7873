import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
// The admin CLI's development-token helpers: the same secret and claims `pnpm admin token` uses.
// workspace-imports: allow (Vite bundles a relative import into its config, but loads a package natively: as .ts)
import { mintDevToken, resolveDevSecret } from '../../apps/admin-cli/src/token.js';

/** Where the gateway runs (`pnpm start` listens on 3000). */
const gateway = process.env.WS_GATEWAY_URL ?? 'http://localhost:3000';

/**
 * `GET /dev-token?user=…` mints a user token from the gateway's development secret (`apps/gateway/.dev-secret`,
 * or `WS_JWT_SECRET`), so the example can show a user's orders without a login. Development only: Vite's dev
 * server has it, a production build does not.
 */
function devToken(): Plugin {
  return {
    name: 'ws-dev-token',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/dev-token', async (req, res) => {
        try {
          const user = new URL(req.url ?? '', 'http://x').searchParams.get('user') ?? 'demo-trader';
          const { secret } = resolveDevSecret(process.env);
          const { token } = await mintDevToken({ userId: user, role: 'user', ttlMs: 3_600_000, secret });
          res.setHeader('content-type', 'text/plain').end(token);
        } catch (error) {
          res.statusCode = 500;
          res.end(error instanceof Error ? error.message : String(error));
        }
      });
    },
  };
}

export default defineConfig({
  plugins: [devToken()],
  // In this repository the packages resolve to their sources (no build step), as `pnpm start` runs the gateway;
  // an app that installs them from npm gets their built `dist`.
  resolve: { conditions: ['@ws/source', ...defaultClientConditions] },
  // The page talks to its own origin; Vite forwards Socket.IO (and its WebSocket) to the gateway as a request
  // from the gateway's own origin, which its default WS_CORS_ORIGIN (http://localhost:3000) allows, so the
  // dev server's origin need not be added to the gateway's list.
  server: {
    proxy: {
      '/socket.io': { target: gateway, ws: true, changeOrigin: true, headers: { origin: new URL(gateway).origin } },
    },
  },
});
