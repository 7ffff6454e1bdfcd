export { buildJoiner, emitsMatch, verdictTopics, type Joiner, type JoinerOptions } from './build-joiner.ts';
export { createJoinerEvents, type JoinerEventMap, type JoinerEvents } from './events.ts';
export { createRecordReader, type RecordReader } from './record-reader.ts';
export { toVerdict, pairIdOf, VERDICT_SCHEMA, type Verdict, type VerdictKind, type VerdictSide } from './verdict.ts';
export { JoinerError, JoinerErrorCode } from './errors.ts';
export { buildComparator, toCompareRules, loadNormalizer } from './comparison-setup.ts';
