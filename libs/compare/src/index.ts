export { createComparator, diff, withinTolerance, type Comparator, type ComparatorOptions } from './comparator.ts';
export { CompiledRules, validateRules, type CompareRules, type Normalizer } from './rules.ts';
export { parsePattern, matchesPattern, formatPath, parsePath, type PathPattern, type Segment, type KeyedSegment } from './pattern.ts';
export type { Difference, DifferenceKind, Json } from './difference.ts';
export { createRedactor, withRenamedPatterns, REDACTED, type Redactor } from './redact.ts';
export { DEFAULT_MAX_DEPTH, MAX_MAX_DEPTH, exceedsDepth, jsonProblem, isJson } from './json-check.ts';
export { CompareError, CompareErrorCode } from './errors.ts';
export { parseVerdict, type CheckedSide, type CheckedVerdict, type VerdictCheck } from './verdict-check.ts';
