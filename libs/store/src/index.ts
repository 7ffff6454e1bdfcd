export { createPairingStore, type PairingStore, type PairingStoreOptions, type ApplyRecord, type ApplyResult } from './pairing-store.ts';
export { parseDecision, parseDecisions, type Decision, type DecisionKind, type Side, type StoredRecord } from './decision.ts';
export { comparisonKeys, type ComparisonKeys } from './keys.ts';
export { scriptSources, registerScripts, type ScriptSource, type ScriptRunner } from './scripts.ts';
export { StoreError, StoreErrorCode, isStoreError, ScriptCode, scriptCodeError, toStoreError } from './errors.ts';
export { createReadModel, type ReadModel, type VerdictRecord, type Cursor, type PageQuery, type Page, type FieldStat } from './read-model.ts';
export { createModeRegistry, modeChannel, type ModeRegistry, type ModeChange, type ModeState } from './mode-registry.ts';
export { MODES, isMode, isAllowedTransition, isPromotion, compares, type MigrationMode } from './modes.ts';
