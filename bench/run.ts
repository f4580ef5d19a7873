// `pnpm test:ws:performance`: gateway vs plain Socket.IO vs raw ws on this machine (see bench/README.md).
import { main } from '../apps/stress/src/bench/main.js';

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
