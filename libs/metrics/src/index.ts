export { createJoinerMetrics, OTHER_PATH, type JoinerMetrics, type JoinerMetricsOptions } from './joiner-metrics.ts';
