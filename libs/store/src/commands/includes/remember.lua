-- remember(retainKey, member, now): notes that `member` ("s|<side>|<key>" for a seen counter,
-- "l|<side>|<pairKey>" for a tombstone) was last touched now; expireWaiting forgets what has not
-- been touched for the retention period, which bounds the memory of decided keys.
local function remember(retainKey, member, now)
  redis.call('ZADD', retainKey, now, member)
end
