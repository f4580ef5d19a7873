export {
  type ErrorCodeLabel,
  errorCodeLabel,
  eventLabel,
  METRIC_ERROR_CODES,
  METRIC_EVENT_NAMES,
  METRIC_NAMESPACES,
  type NamespaceLabel,
  namespaceLabel,
  OTHER,
} from './labels.js';
export { METRIC_DEFINITIONS, type MetricDefinition, type MetricName } from './metric-definitions.js';
export { SlidingWindowCounter } from './sliding-window-counter.js';
export { NO_NAMESPACE, WebSocketMetrics, type WebSocketMetricsOptions } from './websocket-metrics.js';
export { type HistogramSummary, WindowedHistogram } from './windowed-histogram.js';
