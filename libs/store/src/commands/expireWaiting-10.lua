--[[
  expireWaiting: declares missing, with reason max_wait, every record parked longer than the
  wall-clock cap, on both sides, leaving a tombstone so that a partner arriving later is `late`;
  then forgets seen counters and tombstones untouched for the retention period. Runs on a timer
  in every joiner instance; being atomic, two instances never decide the same record twice.

  KEYS[1]  pending, old               KEYS[2]  pending, new
  KEYS[3]  event-time index, old      KEYS[4]  event-time index, new
  KEYS[5]  arrival index, old         KEYS[6]  arrival index, new
  KEYS[7]  outbox                     KEYS[8]  outbox due index
  KEYS[9]  seen counters, old         KEYS[10] seen counters, new
  KEYS[11] tombstones, old            KEYS[12] tombstones, new
  KEYS[13] retention index

  ARGV[1] now (ms)   ARGV[2] max wait (ms)   ARGV[3] most records per side   ARGV[4] retention (ms)

  Returns { id1, decision1, ... } (see includes/add-decision).
]]
--- @include "includes/add-decision"
--- @include "includes/take-pending"
--- @include "includes/remember"

local now = ARGV[1]
local cutoff = tonumber(now) - tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local decisions = {}

-- A record parked on `parkedSide` waited too long: the other side is missing. Its tombstone waits
-- on the other side for a late partner.
local function expire(pendingKey, etimeKey, arrivalKey, parkedSide, tombstonesOfOther)
  local missingSide = parkedSide == 'old' and 'new' or 'old'
  local keys = redis.call('ZRANGEBYSCORE', arrivalKey, '-inf', '(' .. cutoff, 'LIMIT', 0, limit)
  for _, pairKey in ipairs(keys) do
    local parked = takePending(pendingKey, etimeKey, arrivalKey, pairKey)
    if parked then
      if parkedSide == 'old' then
        addDecision(KEYS[7], KEYS[8], decisions, entryId(parked), 'missing', 'max_wait', now, parked, '')
      else
        addDecision(KEYS[7], KEYS[8], decisions, entryId(parked), 'missing', 'max_wait', now, '', parked)
      end
      redis.call('HSET', tombstonesOfOther, pairKey, parked)
      remember(KEYS[13], 'l|' .. missingSide .. '|' .. pairKey, now)
    end
  end
end

expire(KEYS[1], KEYS[3], KEYS[5], 'old', KEYS[12])
expire(KEYS[2], KEYS[4], KEYS[6], 'new', KEYS[11])

-- Forget what the retention period has passed.
local forget = redis.call('ZRANGEBYSCORE', KEYS[13], '-inf', '(' .. (tonumber(now) - tonumber(ARGV[4])), 'LIMIT', 0, limit)
local hashes = { s = { old = KEYS[9], new = KEYS[10] }, l = { old = KEYS[11], new = KEYS[12] } }
for _, member in ipairs(forget) do
  local kind, which, key = string.match(member, '^(%a)|(%a+)|(.*)$')
  if kind and hashes[kind] and hashes[kind][which] then redis.call('HDEL', hashes[kind][which], key) end
  redis.call('ZREM', KEYS[13], member)
end

return decisions
