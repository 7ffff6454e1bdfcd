-- takePending(pendingKey, etimeKey, arrivalKey, key)
-- Removes the record parked under `key` from one side (hash and both indexes) and returns its
-- stored entry "topic/partition/offset\nblob", or false when nothing is parked there.
local function takePending(pendingKey, etimeKey, arrivalKey, key)
  local entry = redis.call('HGET', pendingKey, key)
  if entry then
    redis.call('HDEL', pendingKey, key)
    redis.call('ZREM', etimeKey, key)
    redis.call('ZREM', arrivalKey, key)
  end
  return entry
end
