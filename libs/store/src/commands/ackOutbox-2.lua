--[[
  ackOutbox: removes published decisions from the outbox.

  KEYS[1] outbox            KEYS[2] outbox due index
  ARGV    decision ids

  Returns the number of decisions removed.
]]
if #ARGV == 0 then return 0 end
redis.call('ZREM', KEYS[2], unpack(ARGV))
return redis.call('HDEL', KEYS[1], unpack(ARGV))
