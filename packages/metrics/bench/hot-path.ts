// Cost of the per-message calls: `pnpm exec tsx --conditions=@ws/source packages/metrics/bench/hot-path.ts`
import { WebSocketMetrics } from '@ws/metrics';

const N = 5_000_000;
const metrics = new WebSocketMetrics();

function measure(name: string, fn: (i: number) => void): void {
  for (let i = 0; i < 100_000; i++) fn(i); // warm up the JIT
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  const heapDelta = (process.memoryUsage().heapUsed - heapBefore) / 1024;
  console.log(
    `${name.padEnd(44)} ${ns.toFixed(1).padStart(6)} ns/call  heap ${heapDelta.toFixed(0)} KiB over ${N} calls`,
  );
}

measure('messageIn (known event)', () => metrics.messageIn('/prices', 'subscribe', 64));
measure('messageOut (known event, 1 recipient)', () => metrics.messageOut('/user', 'order.new', 300));
measure('messageOut (unknown event -> other)', () => metrics.messageOut('/prices', 'garbage', 10));
measure('broadcast (fan-out histogram)', () => metrics.broadcast('/prices', 'price.update', 100));
measure('messageLatency (100 recipients, weighted)', (i) => metrics.messageLatency('/prices', (i % 1000) / 1e6, 100));
measure('observePingRtt', (i) => metrics.observePingRtt((i % 1000) / 1e6));
measure('error', () => metrics.error('INVALID_PAYLOAD', '/market'));

const startSnap = process.hrtime.bigint();
for (let i = 0; i < 1000; i++) metrics.getMetrics();
console.log(
  `getMetrics()                                 ${(Number(process.hrtime.bigint() - startSnap) / 1000 / 1000).toFixed(1)} µs/call`,
);
const startExport = process.hrtime.bigint();
for (let i = 0; i < 100; i++) await metrics.exportPrometheusMetrics();
console.log(
  `exportPrometheusMetrics()                    ${(Number(process.hrtime.bigint() - startExport) / 100 / 1e6).toFixed(2)} ms/call`,
);
metrics.close();
