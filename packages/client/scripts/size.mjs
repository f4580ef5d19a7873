// `pnpm --filter @ws/client size`: the browser bundle sizes of the packed packages, and the budget check
// (also run by `pnpm build`, and by the bundle-size test in `pnpm test`).
import { BUDGET_BYTES, kib, measureAll, WHOLE_BUDGET_BYTES } from './bundle-size.mjs';

const { sizes, split } = await measureAll();
const line = (label, s) =>
  console.log(`  ${label.padEnd(62)} ${kib(s.bytes).padStart(9)} min ${kib(s.gzip).padStart(9)} min+gz`);
console.log('@ws/client in a browser bundle (esbuild, minified, browser, ESM, from the packed tarballs):');
line("import { TradingClient } from '@ws/client', loaded first", split);
console.log(
  `  ${'  + the order book, loaded by the first subscribeOrderBook()'.padEnd(62)} ${''.padStart(13)} ${kib(split.lazy).padStart(9)} min+gz`,
);
line('the same without code splitting (the order book inlined)', sizes.tradingClient);
line('+ isTradingClientError, without code splitting', sizes.typicalApp);
line("+ pollingManager from '@ws/client/polling' (opt-in)", sizes.polling);
line("+ protocolEventValidator from '@ws/client/validate' (opt-in)", sizes.strict);
line("export * from '@ws/protocol/runtime'", sizes.protocolRuntime);
line('socket.io-client alone (Manager)', sizes.socketIoClient);
const over = [
  [split.gzip, BUDGET_BYTES, 'loaded first'],
  [sizes.tradingClient.gzip, WHOLE_BUDGET_BYTES, 'without code splitting'],
].filter(([size, budget]) => size > budget);
for (const [size, budget, what] of over) console.error(`over budget (${what}): ${kib(size)} > ${kib(budget)}`);
if (over.length === 0)
  console.log(`budgets: ${kib(BUDGET_BYTES)} loaded first, ${kib(WHOLE_BUDGET_BYTES)} without code splitting: ok`);
else process.exit(1);
