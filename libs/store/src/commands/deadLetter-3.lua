--[[
  deadLetter: moves verdicts the broker refused for good from the outbox to the comparison's
  dead-letter list, in one step (a crash leaves each either in the outbox or in the list).

  KEYS[1] outbox            KEYS[2] outbox due index
  KEYS[3] dead letters      list of JSON entries, newest first
  ARGV[1] most entries the list keeps (older ones are dropped)
  ARGV[2..] pairs: decision id ('' when the verdict was never in the outbox), entry JSON

  Returns the length of the list.
]]
local cap = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if id ~= '' then
    redis.call('ZREM', KEYS[2], id)
    redis.call('HDEL', KEYS[1], id)
  end
  redis.call('LPUSH', KEYS[3], ARGV[i + 1])
end
redis.call('LTRIM', KEYS[3], 0, cap - 1)
return redis.call('LLEN', KEYS[3])
