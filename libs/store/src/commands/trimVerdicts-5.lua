--[[
  trimVerdicts: applies the read model's retention, so that its memory is bounded whatever the
  rate and the match rate: drops discrepancies older than the age limit and, beyond the count
  limit, the oldest ones; forgets pairIds older than the age limit and, beyond their own count
  limit, the oldest ones; drops per-minute buckets older than the age limit. Totals and field
  counts are kept: they are small (a few fields per kind, at most maxPaths paths).

  KEYS[1] seen   KEYS[2] discrepancies   KEYS[3] by time   KEYS[4] kind prefix   KEYS[5] buckets
  (see recordVerdicts)
  ARGV[1] oldest decided-at to keep (ms)   ARGV[2] most discrepancies to keep   ARGV[3] most to drop per call
  ARGV[4] most pairIds to remember (a verdict read again after its pairId was forgotten counts again)
  ARGV[5] number of latency-delta buckets (latency.ts): a dropped minute's go from "<prefix>latency"

  Returns the number of discrepancies and bucket minutes dropped plus a hundredth of the pairIds
  forgotten (the caller calls again while it is ARGV[3] or more).
]]
local oldest = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local keepSeen = tonumber(ARGV[4])
local latencyBuckets = tonumber(ARGV[5])
local kinds = { 'match', 'mismatch', 'missing_old', 'missing_new', 'duplicate_old', 'duplicate_new', 'invalid_old', 'invalid_new', 'late' }

local victims = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. oldest, 'LIMIT', 0, limit)
local excess = redis.call('ZCARD', KEYS[3]) - #victims - keep
if excess > 0 then
  local more = redis.call('ZRANGE', KEYS[3], #victims, #victims + math.min(excess, limit) - 1)
  for _, id in ipairs(more) do victims[#victims + 1] = id end
end
for _, id in ipairs(victims) do
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[4] .. 'meta', id)
  redis.call('ZREM', KEYS[3], id)
  for i = 2, #kinds do redis.call('ZREM', KEYS[4] .. kinds[i], id) end
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. oldest)
local extraSeen = redis.call('ZCARD', KEYS[1]) - keepSeen
local seenDropped = 0
if extraSeen > 0 then
  seenDropped = math.min(extraSeen, 100 * limit)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, seenDropped - 1)
end

-- A bucket holds the counts of one minute: it goes once the whole minute is past the age limit.
local minutes = redis.call('ZRANGEBYSCORE', KEYS[4] .. 'minutes', '-inf', '(' .. (oldest - 60000), 'LIMIT', 0, limit)
for _, minute in ipairs(minutes) do
  local fields = {}
  for _, kind in ipairs(kinds) do fields[#fields + 1] = minute .. '|' .. kind end
  redis.call('HDEL', KEYS[5], unpack(fields))
  local latency = {}
  for b = 0, latencyBuckets - 1 do latency[#latency + 1] = minute .. '|' .. b end
  redis.call('HDEL', KEYS[4] .. 'latency', unpack(latency))
  redis.call('ZREM', KEYS[4] .. 'minutes', minute)
end
-- Counts forgotten pairIds a hundredth each, so that a large surplus keeps the caller calling.
return #victims + #minutes + math.floor(seenDropped / 100)
