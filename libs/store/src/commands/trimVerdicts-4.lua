--[[
  trimVerdicts: applies the read model's retention: drops discrepancies older than the age limit
  and, beyond the count limit, the oldest ones; forgets pairIds older than the age limit.
  Counts (buckets, totals, fields) are kept: they are small and summaries need them.

  KEYS[1] seen   KEYS[2] discrepancies   KEYS[3] by time   KEYS[4] kind prefix (see recordVerdicts)
  ARGV[1] oldest decided-at to keep (ms)   ARGV[2] most discrepancies to keep   ARGV[3] most to drop per call

  Returns the number of discrepancies dropped.
]]
local oldest = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local kinds = { 'mismatch', 'missing_old', 'missing_new', 'duplicate_old', 'duplicate_new', 'invalid_old', 'invalid_new', 'late' }

local victims = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. oldest, 'LIMIT', 0, limit)
local excess = redis.call('ZCARD', KEYS[3]) - #victims - keep
if excess > 0 then
  local more = redis.call('ZRANGE', KEYS[3], #victims, #victims + math.min(excess, limit) - 1)
  for _, id in ipairs(more) do victims[#victims + 1] = id end
end
for _, id in ipairs(victims) do
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  for _, kind in ipairs(kinds) do redis.call('ZREM', KEYS[4] .. kind, id) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. oldest)
return #victims
