--[[
  expireWaiting: declares missing, with reason max_wait, every record that has been parked
  longer than the wall-clock cap, on both sides. Runs on a timer in every joiner instance; being
  atomic, two instances never decide the same record twice.

  KEYS[1] pending hash, old side      KEYS[2] pending hash, new side
  KEYS[3] event-time index, old       KEYS[4] event-time index, new
  KEYS[5] arrival index, old          KEYS[6] arrival index, new
  KEYS[7] outbox                      KEYS[8] outbox due index

  ARGV[1] now, wall clock (ms)
  ARGV[2] max wait (ms)
  ARGV[3] most records to expire per side in this call

  Returns { id1, decision1, ... } (see includes/add-decision).
]]
--- @include "includes/add-decision"
--- @include "includes/take-pending"

local now = ARGV[1]
local cutoff = tonumber(now) - tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local decisions = {}

local function expire(pendingKey, etimeKey, arrivalKey, parkedSide)
  local keys = redis.call('ZRANGEBYSCORE', arrivalKey, '-inf', '(' .. cutoff, 'LIMIT', 0, limit)
  for _, key in ipairs(keys) do
    local parked = takePending(pendingKey, etimeKey, arrivalKey, key)
    if parked then
      if parkedSide == 'old' then
        addDecision(KEYS[7], KEYS[8], decisions, entryId(parked), 'missing', 'max_wait', now, parked, '')
      else
        addDecision(KEYS[7], KEYS[8], decisions, entryId(parked), 'missing', 'max_wait', now, '', parked)
      end
    end
  end
end

expire(KEYS[1], KEYS[3], KEYS[5], 'old')
expire(KEYS[2], KEYS[4], KEYS[6], 'new')
return decisions
