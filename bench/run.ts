// `pnpm test:ws:performance`: gateway vs plain Socket.IO vs raw ws on this machine (see bench/README.md).
import { main } from '@ws/stress/bench';

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
