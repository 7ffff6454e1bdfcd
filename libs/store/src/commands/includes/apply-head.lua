-- The head both apply scripts share (applyRecords, applyPredicted): the same 24 KEYS (see
-- applyRecords) and the same first six ARGV, laid out by commands/apply-head.ts:
--   ARGV[1] now (ms)   ARGV[2] horizon: window + grace (ms)   ARGV[3] most watermark expiries per side
--   ARGV[4] duplicates: "first" | "sequence"   ARGV[5] the state epoch the caller knows
--   ARGV[6] how long the current retention bucket is kept from now (ms)
-- Nothing is done when the epoch is not the one the caller knows (Redis lost its state).
-- Needs includes/codes and includes/side-keys before it.
if redis.call('GET', KEYS[24]) ~= ARGV[5] then return { CODE.STATE_LOST } end
local now = ARGV[1]
local horizon = tonumber(ARGV[2])
local expireLimit = tonumber(ARGV[3])
local sequence = ARGV[4] == 'sequence'
local ttl = ARGV[6]
local K = sideKeys()
local OUTBOX, DUE = KEYS[22], KEYS[23]
