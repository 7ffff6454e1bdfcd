export {
  createPairingStore,
  hintId,
  DEAD_LETTER_CAP,
  DEAD_LETTER_TEXT_BYTES,
  type DeadLetter,
  type PairingStore,
  type PairingStoreOptions,
  type ApplyRecord,
  type ApplySegment,
  type ApplyOptions,
  type ApplyResult,
  type ApplyPath,
  type Prediction,
  type PairHint,
  type ParkedHint,
  type SegmentOutcome,
} from './pairing-store.ts';
export type { PrePair } from './pre-pair.ts';
export { retentionBuckets, type RetentionBuckets } from './retention.ts';
export {
  parseDecision,
  parseDecisions,
  parseEntry,
  parseOutboxEntry,
  parseOutboxEntries,
  type Decision,
  type DecisionKind,
  type OutboxEntry,
  type PrebuiltVerdict,
  type Side,
  type StoredRecord,
} from './decision.ts';
export { comparisonKeys, type ComparisonKeys } from './keys.ts';
export { scriptSources, registerScripts, type ScriptSource, type ScriptRunner } from './scripts.ts';
export { StoreError, StoreErrorCode, isStoreError, noPermission, ScriptCode, scriptCodeError, toStoreError } from './errors.ts';
export { REDIS_GRANTS, aclRules, type RedisComponent, type RedisGrant } from './acl.ts';
export { connectRedis } from './connect.ts';
export { openRedis, isCluster, primaries, waitForReplicas, type RedisClient, type RedisEndpoint, type ClientOptions } from './client.ts';
export type { RangeFields, RangeFieldStat } from './read-model-fields.ts';
export { createReadModel, encodeFilterFields, decodeFilterFields, DEFAULT_SCAN_BUDGET, FIELDS_SCAN_BUDGET, type ReadModel, type VerdictRecord, type Cursor, type PageQuery, type Page, type FieldStat } from './read-model.ts';
export { LATENCY_BUCKETS, LATENCY_BUCKET_COUNT, latencyBucket, type LatencyBucketRange } from './latency.ts';
export { createModeRegistry, modeChannel, type ModeRegistry, type ModeChange, type ModeState } from './mode-registry.ts';
export { MODES, isMode, isAllowedTransition, isPromotion, compares, type MigrationMode } from './modes.ts';
export { createDeadLetters, type DeadLetters, type DeadLetterEntry } from './dead-letters.ts';
export { classFieldsOf, CLASS_CAPS, BASELINE_ONE_IN, MAX_SAMPLE_BYTES } from './read-model-classes.ts';
export type { ClassFields, ClassCaps } from './commands/recordVerdicts.ts';
