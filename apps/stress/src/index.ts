export { ClientStats, type StatsDelta } from './clients/client-stats.js';
export {
  LeanClient,
  type LeanClientOptions,
  LeanConnectError,
  type LeanTarget,
  type StreamNamespace,
} from './clients/lean-client.js';
export { mintToken } from './gateway/token.js';
export { type LatencySummary, summarize } from './measure/histogram.js';
export { parseStressOptions, type StressOptions, type Thresholds, USAGE, UsageError } from './run/stress-options.js';
export { buildReport, checkThresholds, formatReport, type StressReport, type Violation } from './run/stress-report.js';
export { runStress, type StressRunIo } from './run/stress-run.js';
