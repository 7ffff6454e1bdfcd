--[[
  applyRecords: applies a batch of records from one partition of one side of a comparison.
  Pairs each record with the other side's record of the same key, parks it when there is none,
  flags a second record of a key already parked on the same side as a duplicate, records the
  partition's offset as applied (so a redelivered record changes nothing) and then declares
  missing every parked record of the other side that this side's stream time has passed.
  A record that arrives when the other side's stream time has already passed its event time
  plus the horizon is declared missing on arrival: the other side has moved on without it.
  Every decision goes to the outbox in the same atomic step.

  KEYS[1]  pending hash of this side            key -> entry ("topic/partition/offset\nblob")
  KEYS[2]  pending hash of the other side
  KEYS[3]  event-time index of this side        zset key -> event time (ms)
  KEYS[4]  event-time index of the other side
  KEYS[5]  arrival index of this side           zset key -> wall-clock arrival (ms)
  KEYS[6]  arrival index of the other side
  KEYS[7]  applied offsets                      hash "topic/partition" -> last applied offset
  KEYS[8]  stream times of this side            hash partition -> max event time seen (ms), -1 before any
  KEYS[9]  outbox                               hash decision id -> decision
  KEYS[10] outbox due index                     zset decision id -> decided at (ms)
  KEYS[11] stream times of the other side

  ARGV[1]  side of these records: "old" or "new"
  ARGV[2]  "topic/partition" of these records
  ARGV[3]  partition (field of KEYS[8])
  ARGV[4]  now, wall clock (ms)
  ARGV[5]  horizon: window + grace (ms)
  ARGV[6]  most watermark expiries to decide in this call
  ARGV[7]  number of records n, then n groups of 5:
           offset, kind ("r" record | "i" invalid), key, event time (ms), blob

  Returns { applied, skipped, id1, decision1, id2, decision2, ... }: how many records were new,
  how many were already applied (redelivered), then every decision made (see addDecision).
  Errors: none expected; a malformed call raises a Redis script error.
]]
--- @include "includes/add-decision"
--- @include "includes/take-pending"

local side = ARGV[1]
local tp = ARGV[2]
local partition = ARGV[3]
local now = ARGV[4]
local horizon = tonumber(ARGV[5])
local expireLimit = tonumber(ARGV[6])
local n = tonumber(ARGV[7])

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
  local base = 8 + i * 5
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
      local partner = takePending(KEYS[2], KEYS[4], KEYS[6], key)
      if partner then
        local o, nw = ordered(entry, partner)
        addDecision(KEYS[9], KEYS[10], decisions, id, 'pair', '', now, o, nw)
      elseif redis.call('HEXISTS', KEYS[1], key) == 1 then
        local o, nw = ordered(entry, '')
        addDecision(KEYS[9], KEYS[10], decisions, id, 'duplicate', '', now, o, nw)
      elseif otherTime ~= nil and otherTime > eventTime + horizon then
        local o, nw = ordered(entry, '')
        addDecision(KEYS[9], KEYS[10], decisions, id, 'missing', 'watermark', now, o, nw)
      else
        redis.call('HSET', KEYS[1], key, entry)
        redis.call('ZADD', KEYS[3], eventTime, key)
        redis.call('ZADD', KEYS[5], now, key)
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
  for _, key in ipairs(expired) do
    local parked = takePending(KEYS[2], KEYS[4], KEYS[6], key)
    if parked then
      local o, nw = ordered('', parked)
      addDecision(KEYS[9], KEYS[10], decisions, entryId(parked), 'missing', 'watermark', now, o, nw)
    end
  end
end

local reply = { applied, skipped }
for _, v in ipairs(decisions) do reply[#reply + 1] = v end
return reply
