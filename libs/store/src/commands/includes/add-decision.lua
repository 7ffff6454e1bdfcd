-- addDecision(outboxKey, dueKey, decisions, id, kind, reason, now, oldEntry, newEntry)
-- Writes one decision into the outbox (hash id -> value, and the due index scored by the
-- decision time) and appends it to the script's reply. A decision value is
--   kind \30 reason \30 decidedAtMs \30 oldEntry \30 newEntry
-- where an entry is "topic/partition/offset\nblob" as stored, or "" when that side is absent.
local function addDecision(outboxKey, dueKey, decisions, id, kind, reason, now, oldEntry, newEntry)
  local value = kind .. '\30' .. reason .. '\30' .. now .. '\30' .. oldEntry .. '\30' .. newEntry
  redis.call('HSET', outboxKey, id, value)
  redis.call('ZADD', dueKey, now, id)
  decisions[#decisions + 1] = id
  decisions[#decisions + 1] = value
end

-- entryId(entry): the "topic/partition/offset" part of a stored entry.
local function entryId(entry)
  local cut = string.find(entry, '\n', 1, true)
  return string.sub(entry, 1, cut - 1)
end
