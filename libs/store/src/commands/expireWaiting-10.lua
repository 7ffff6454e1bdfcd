--[[
  expireWaiting: declares missing, with reason max_wait, every record parked longer than the
  wall-clock cap, on both sides, leaving a tombstone so that a partner arriving later is `late`.
  Runs on a timer in every joiner instance; being atomic, two instances never decide the same
  record twice. (Seen counters and tombstones need no sweeping: their time buckets expire.)

  KEYS[1]  pending, old               KEYS[2]  pending, new
  KEYS[3]  event-time index, old      KEYS[4]  event-time index, new
  KEYS[5]  arrival index, old         KEYS[6]  arrival index, new
  KEYS[7]  outbox                     KEYS[8]  outbox due index
  KEYS[9]  tombstones, old, current retention bucket
  KEYS[10] tombstones, new, current retention bucket

  ARGV[1] now (ms)   ARGV[2] max wait (ms)   ARGV[3] most records per side
  ARGV[4] how long the current retention bucket is kept from now (ms)

  Returns { id1, decision1, ... } (see includes/add-decision).
]]
--- @include "includes/add-decision"
--- @include "includes/take-pending"

local now = ARGV[1]
local cutoff = tonumber(now) - tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local decisions = {}

-- A record parked on `parkedSide` waited too long: the other side is missing. Its tombstone waits
-- on the other side for a late partner.
local function expire(pendingKey, etimeKey, arrivalKey, parkedSide, tombstonesOfOther)
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
      redis.call('PEXPIRE', tombstonesOfOther, ARGV[4])
    end
  end
end

expire(KEYS[1], KEYS[3], KEYS[5], 'old', KEYS[10])
expire(KEYS[2], KEYS[4], KEYS[6], 'new', KEYS[9])

return decisions
