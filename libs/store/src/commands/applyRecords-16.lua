--[[
  applyRecords: applies a batch of records from one partition of one side of a comparison.

  For each record not yet applied (offset above the partition's applied offset):
  - counts it under its key on its side; with duplicates=first a second record of a key is a
    duplicate, with duplicates=sequence the n-th record pairs with the other side's n-th;
  - pairs it with the other side's parked record of the same pair key, or
  - declares it late when its counterpart was already declared missing (a tombstone), or
  - declares the other side missing at once when that side's stream time has already passed the
    record's event time plus the horizon, or
  - parks it.
  Then records the partition's applied offset and stream time, and declares missing every parked
  record of the other side that this side's stream time has passed (watermark). Every decision
  goes to the outbox in the same atomic step. Nothing is done when the state epoch is not the one
  the caller knows (Redis lost its state): the caller must recover first.

  KEYS[1]  pending, this side              hash pairKey -> entry ("topic/partition/offset\nblob")
  KEYS[2]  pending, other side
  KEYS[3]  event-time index, this side     zset pairKey -> event time (ms)
  KEYS[4]  event-time index, other side
  KEYS[5]  arrival index, this side        zset pairKey -> wall-clock arrival (ms)
  KEYS[6]  arrival index, other side
  KEYS[7]  applied offsets                 hash "topic/partition" -> last applied offset
  KEYS[8]  stream times, this side         hash partition -> newest event time (-1 before any)
  KEYS[9]  outbox                          hash decision id -> decision
  KEYS[10] outbox due index                zset decision id -> decided at (ms)
  KEYS[11] stream times, other side
  KEYS[12] seen counters, this side        hash key -> records seen
  KEYS[13] tombstones, this side           hash pairKey -> entry of the other side's record whose
                                           partner on this side was declared missing
  KEYS[14] tombstones, other side
  KEYS[15] retention index                 zset member -> last touched (ms)
  KEYS[16] state epoch                     string

  ARGV[1] side ("old" | "new")   ARGV[2] "topic/partition"   ARGV[3] partition
  ARGV[4] now (ms)               ARGV[5] horizon: window + grace (ms)
  ARGV[6] most watermark expiries in this call
  ARGV[7] duplicates: "first" | "sequence"
  ARGV[8] the state epoch the caller knows
  ARGV[9] number of records n, then n groups of 5: offset, kind ("r" | "i"), key, event time, blob

  Returns { applied, skipped, id1, decision1, ... }, or { -1 } (STATE_LOST) when the epoch differs.
]]
--- @include "includes/add-decision"
--- @include "includes/take-pending"
--- @include "includes/remember"

if redis.call('GET', KEYS[16]) ~= ARGV[8] then return { -1 } end

local side = ARGV[1]
local other = side == 'old' and 'new' or 'old'
local tp = ARGV[2]
local partition = ARGV[3]
local now = ARGV[4]
local horizon = tonumber(ARGV[5])
local expireLimit = tonumber(ARGV[6])
local sequence = ARGV[7] == 'sequence'
local n = tonumber(ARGV[9])

-- A side's stream time is its least advanced partition's newest event time, so one lagging
-- partition holds expiry back instead of letting a fast one declare records missing. Every
-- partition of the side's topic is registered with -1 at start-up: until each has delivered a
-- record, the side has no stream time and declares nothing missing by watermark.
local function sideTime(streamKey)
  local least = nil
  for _, t in ipairs(redis.call('HVALS', streamKey)) do
    local v = tonumber(t)
    if least == nil or v < least then least = v end
  end
  if least == nil or least < 0 then return nil end
  return least
end

local otherTime = sideTime(KEYS[11])
local decisions = {}
local appliedOffset = tonumber(redis.call('HGET', KEYS[7], tp) or '-1')
local streamTime = tonumber(redis.call('HGET', KEYS[8], partition) or '-1')
local lastOffset = nil
local applied = 0
local skipped = 0

local function ordered(mine, theirs)
  if side == 'old' then return mine, theirs end
  return theirs, mine
end

for i = 0, n - 1 do
  local base = 10 + i * 5
  local offset = tonumber(ARGV[base])
  if offset <= appliedOffset then
    skipped = skipped + 1
  else
    applied = applied + 1
    lastOffset = ARGV[base]
    local kind = ARGV[base + 1]
    local key = ARGV[base + 2]
    local eventTime = tonumber(ARGV[base + 3])
    local id = tp .. '/' .. ARGV[base]
    local entry = id .. '\n' .. ARGV[base + 4]
    if kind == 'i' then
      local o, nw = ordered(entry, '')
      addDecision(KEYS[9], KEYS[10], decisions, id, 'invalid', '', now, o, nw)
    else
      local seen = redis.call('HINCRBY', KEYS[12], key, 1)
      remember(KEYS[15], 's|' .. side .. '|' .. key, now)
      local pairKey = key
      if sequence then pairKey = key .. '#' .. seen end
      if not sequence and seen > 1 then
        local o, nw = ordered(entry, '')
        addDecision(KEYS[9], KEYS[10], decisions, id, 'duplicate', '', now, o, nw)
      else
        local partner = takePending(KEYS[2], KEYS[4], KEYS[6], pairKey)
        local tombstone = (not partner) and redis.call('HGET', KEYS[13], pairKey)
        if partner then
          local o, nw = ordered(entry, partner)
          addDecision(KEYS[9], KEYS[10], decisions, id, 'pair', '', now, o, nw)
        elseif tombstone then
          redis.call('HDEL', KEYS[13], pairKey)
          local o, nw = ordered(entry, tombstone)
          addDecision(KEYS[9], KEYS[10], decisions, id, 'late', '', now, o, nw)
        elseif otherTime ~= nil and otherTime > eventTime + horizon then
          local o, nw = ordered(entry, '')
          addDecision(KEYS[9], KEYS[10], decisions, id, 'missing', 'watermark', now, o, nw)
          redis.call('HSET', KEYS[14], pairKey, entry)
          remember(KEYS[15], 'l|' .. other .. '|' .. pairKey, now)
        else
          redis.call('HSET', KEYS[1], pairKey, entry)
          redis.call('ZADD', KEYS[3], eventTime, pairKey)
          redis.call('ZADD', KEYS[5], now, pairKey)
        end
      end
      if eventTime > streamTime then streamTime = eventTime end
    end
  end
end

if lastOffset then
  redis.call('HSET', KEYS[7], tp, lastOffset)
end
if streamTime >= 0 then
  redis.call('HSET', KEYS[8], partition, streamTime)
end

local ownTime = sideTime(KEYS[8])
if ownTime ~= nil then
  local cutoff = ownTime - horizon
  local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. cutoff, 'LIMIT', 0, expireLimit)
  for _, pairKey in ipairs(expired) do
    local parked = takePending(KEYS[2], KEYS[4], KEYS[6], pairKey)
    if parked then
      local o, nw = ordered('', parked)
      addDecision(KEYS[9], KEYS[10], decisions, entryId(parked), 'missing', 'watermark', now, o, nw)
      -- This side is the one declared missing: a record of it arriving later is late.
      redis.call('HSET', KEYS[13], pairKey, parked)
      remember(KEYS[15], 'l|' .. side .. '|' .. pairKey, now)
    end
  end
end

local reply = { applied, skipped }
for _, v in ipairs(decisions) do reply[#reply + 1] = v end
return reply
