-- Stream times, offsets applied and watermark expiry: what every apply does after its records.
-- K is the script's key table: K.old / K.new with pending, etime, arrival, stream, late (buckets).

-- sideTime(map): a side's stream time, its least advanced partition's newest event time (map:
-- partition -> time). Every partition is registered with -1 at start-up: until each has
-- delivered a record, the side has no stream time and declares nothing missing by watermark.
local function sideTime(map)
  local least = nil
  for _, v in pairs(map) do if least == nil or v < least then least = v end end
  if least == nil or least < 0 then return nil end
  return least
end

-- readStreams(K): { old = map, new = map } of the stream-time hashes.
local function readStreams(K)
  local streams = {}
  for _, side in ipairs({ 'old', 'new' }) do
    local flat = redis.call('HGETALL', K[side].stream)
    local map = {}
    for i = 1, #flat, 2 do map[flat[i]] = tonumber(flat[i + 1]) end
    streams[side] = map
  end
  return streams
end

-- advance(K, offsetsKey, lastOffset, newest, streams): records each partition's last applied
-- offset (lastOffset: "topic/partition" -> offset) and raises its stream time to the newest event
-- time it brought (newest: side -> partition -> time), updating `streams` in place.
local function advance(K, offsetsKey, lastOffset, newest, streams)
  local flat = {}
  for tp, offset in pairs(lastOffset) do flat[#flat + 1] = tp; flat[#flat + 1] = offset end
  if #flat > 0 then redis.call('HSET', offsetsKey, unpack(flat)) end
  for side, byPartition in pairs(newest) do
    local writes = {}
    for partition, t in pairs(byPartition) do
      local before = streams[side][partition]
      if before == nil or t > before then
        streams[side][partition] = t
        writes[#writes + 1] = partition
        writes[#writes + 1] = t
      end
    end
    if #writes > 0 then redis.call('HSET', K[side].stream, unpack(writes)) end
  end
end

-- expireByWatermark(K, outbox, due, streams, horizon, limit, now, ttl, decisions, tombstones):
-- a side whose stream time passed a parked record of the other side (plus the horizon) declares
-- that record's partner on it missing (at most `limit` per side); a record of it arriving later is
-- late. Then writes every tombstone gathered (tombstones: side -> flat pairKey, entry list) into
-- the current retention bucket.
local function expireByWatermark(K, outbox, due, streams, horizon, limit, now, ttl, decisions, tombstones)
  for _, side in ipairs({ 'old', 'new' }) do
    local t = sideTime(streams[side])
    if t ~= nil then
      local other = side == 'old' and 'new' or 'old'
      local expired = redis.call('ZRANGEBYSCORE', K[other].etime, '-inf', '(' .. (t - horizon), 'LIMIT', 0, limit)
      if #expired > 0 then
        local entries = hmget(K[other].pending, expired)
        local gone = {}
        local marks = tombstones[side]
        for i, pairKey in ipairs(expired) do
          local parked = entries[i]
          if parked then
            gone[#gone + 1] = pairKey
            if side == 'old' then
              addDecision(outbox, due, decisions, entryId(parked), 'missing', 'watermark', now, '', parked)
            else
              addDecision(outbox, due, decisions, entryId(parked), 'missing', 'watermark', now, parked, '')
            end
            marks[#marks + 1] = pairKey
            marks[#marks + 1] = parked
          end
        end
        batch('HDEL', K[other].pending, gone, 1)
        batch('ZREM', K[other].etime, expired, 1)
        batch('ZREM', K[other].arrival, gone, 1)
      end
    end
  end
  for side, flat in pairs(tombstones) do
    if #flat > 0 then
      batch('HSET', K[side].late[1], flat, 2)
      redis.call('PEXPIRE', K[side].late[1], ttl)
    end
  end
end
