--[[
  claimOutbox: takes decisions that have waited in the outbox longer than a lease (their
  publisher died or stalled) and renews their lease, so that one instance re-publishes them.
  Re-publishing is safe: a verdict's pairId is deterministic and readers count it once.

  KEYS[1] outbox            KEYS[2] outbox due index
  ARGV[1] now (ms)          ARGV[2] lease (ms)          ARGV[3] most decisions to claim

  Returns { id1, decision1, ... }.
]]
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, tonumber(ARGV[3]))
local reply = {}
for _, id in ipairs(ids) do
  local value = redis.call('HGET', KEYS[1], id)
  if value then
    redis.call('ZADD', KEYS[2], now, id)
    reply[#reply + 1] = id
    reply[#reply + 1] = value
  else
    redis.call('ZREM', KEYS[2], id)
  end
end
return reply
