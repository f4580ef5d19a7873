export { type LatencySummary, summarize } from './histogram.js';
export {
  LeanClient,
  type LeanClientOptions,
  LeanConnectError,
  type LeanTarget,
  type StreamNamespace,
} from './lean-client.js';
export { parseStressOptions, type StressOptions, type Thresholds, USAGE, UsageError } from './stress-options.js';
export { buildReport, checkThresholds, formatReport, type StressReport, type Violation } from './stress-report.js';
export { runStress, type StressRunIo } from './stress-run.js';
export { mintToken } from './token.js';
