--[[
  applyPredicted: the fast path of applyRecords. The caller has already said what becomes of every
  record of the call: it pairs with a record of the other side in the same call, or with a record
  of the other side that is parked (the caller read it), or it is parked. This script checks
  every prediction against the state with a few bulk reads and, only when all hold, applies them
  with a few bulk writes of argument ranges the caller laid out, so that no per-record work runs in
  Lua. When one does not hold (a key seen before, a partner taken meanwhile, a tombstone, a record
  redelivered, the other side already past a record's window), it returns NEED_GENERAL before
  writing anything, and the caller sends the call to applyRecords, which decides record by record.

  The predictions hold exactly when applyRecords would decide the same (duplicates: first): every
  record's key is new on its side within the retention; a pair in the call is the first record of
  its key on both sides; a parked partner is still parked under the key with the coordinates the
  caller read; a record to park has no partner parked, no tombstone, and the other side's stream
  time has not passed its event time plus the horizon. Stream times, offsets and the watermark
  expiry then follow as in applyRecords.

  KEYS: as applyRecords (1-8 pending, event-time and arrival indexes, stream times of old and new;
  9-14 seen buckets; 15-20 tombstone buckets; 21 offsets; 22 outbox; 23 outbox due; 24 epoch).

  ARGV[1..6] as applyRecords (includes/apply-head: now, horizon, most watermark expiries per side,
  duplicates, the state epoch the caller knows, how long the current retention bucket is kept)
  ARGV[7] segments S, then S groups of 7: side, "topic/partition", partition, first offset, last
  offset, the newest event time among its records, the offset handed over before its first record
  ('' = none known; see applyRecords: Continuity); then, for old and then new, argument ranges,
  each preceded by its length:
    seen     key, "1", key, "1", ...      every record of the side (checked unseen, then written)
    takeKeys key, ...                     records pairing with a parked partner: the partner's key
    takeIds  "topic/partition/offset", ... the parked partner each expects, same order
    park     key, ...                     records to park
    pending  key, entry, ...              their entries ("topic/partition/offset\nblob")
    etimes   event time, key, ...
    arrivals now, key, ...
  then   outbox id, value, ...  and  due now, id, ...   (the verdicts to publish; may be empty)

  Returns { "ok", id1, decision1, ... } (watermark decisions), { -1 } (STATE_LOST) when the epoch
  differs, { -5 } (GAP) when a segment does not follow what was applied, or { -4 } (NEED_GENERAL),
  with nothing written.
]]
--- @include "includes/codes"
--- @include "includes/add-decision"
--- @include "includes/batch"
--- @include "includes/side-keys"
--- @include "includes/stream-time"

--- @include "includes/apply-head"

local S = tonumber(ARGV[7])
local NEED_GENERAL = { CODE.NEED_GENERAL }
-- The predictions are those of duplicates: first; with sequence, applyRecords decides.
if sequence then return NEED_GENERAL end

-- An argument range: { from, to } (to < from when empty).
local at = 8
local function range()
  local n = tonumber(ARGV[at])
  local r = { at + 1, at + n }
  at = at + n + 1
  return r
end
local function hmgetRange(key, r)
  local out = {}
  for i = r[1], r[2], 1000 do
    local part = redis.call('HMGET', key, unpack(ARGV, i, math.min(i + 999, r[2])))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end
local function writeRange(command, key, r, width)
  local step = 1000 - (1000 % width)
  for i = r[1], r[2], step do
    redis.call(command, key, unpack(ARGV, i, math.min(i + step - 1, r[2])))
  end
end

local segs = {}
for s = 1, S do
  segs[s] = { side = ARGV[at], tp = ARGV[at + 1], partition = ARGV[at + 2], first = tonumber(ARGV[at + 3]),
              last = ARGV[at + 4], newest = ARGV[at + 5], after = ARGV[at + 6] }
  at = at + 7
end
local R = {}
for _, side in ipairs({ 'old', 'new' }) do
  R[side] = { seen = range(), takeKeys = range(), takeIds = range(), park = range(), pending = range(), etimes = range(), arrivals = range() }
end
local outboxRange, dueRange = range(), range()

-- Check: every segment follows what is applied, or the segment of its partition before it in this
-- call, and nothing is redelivered.
do
  local tps = {}
  for s = 1, S do tps[s] = segs[s].tp end
  local applied = redis.call('HMGET', KEYS[21], unpack(tps))
  local reach = {}
  for s = 1, S do
    local seg = segs[s]
    local offset = reach[seg.tp] or tonumber(applied[s] or '-1')
    if seg.after ~= '' and tonumber(seg.after) > offset then return { CODE.GAP } end
    if seg.first <= offset then return NEED_GENERAL end
    reach[seg.tp] = tonumber(seg.last)
  end
end

local streams = readStreams(K)
local timeBefore = { old = sideTime(streams.old), new = sideTime(streams.new) }

for _, side in ipairs({ 'old', 'new' }) do
  local other = side == 'old' and 'new' or 'old'
  local r = R[side]
  -- Check: every key new on its side (the seen range alternates key and "1": keys at odd places).
  for b = 1, 3 do
    local found = hmgetRange(K[side].seen[b], r.seen)
    for i = 1, #found, 2 do if found[i] then return NEED_GENERAL end end
  end
  -- Check: every parked partner still there, the very record the caller compared with.
  local partners = hmgetRange(K[other].pending, r.takeKeys)
  for i = 1, #partners do
    local id = ARGV[r.takeIds[1] + i - 1]
    local entry = partners[i]
    if not entry or string.find(entry, id, 1, true) ~= 1 or string.byte(entry, #id + 1) ~= 10 then return NEED_GENERAL end
  end
  -- Check: a record to park has no partner parked and no tombstone, and is not already behind
  -- the other side's stream time.
  for _, found in ipairs(hmgetRange(K[other].pending, r.park)) do if found then return NEED_GENERAL end end
  for b = 1, 3 do
    for _, found in ipairs(hmgetRange(K[side].late[b], r.park)) do if found then return NEED_GENERAL end end
  end
  local otherTime = timeBefore[other]
  if otherTime ~= nil then
    for i = r.etimes[1], r.etimes[2], 2 do
      if otherTime > tonumber(ARGV[i]) + horizon then return NEED_GENERAL end
    end
  end
end

-- Every prediction holds: apply them.
for _, side in ipairs({ 'old', 'new' }) do
  local other = side == 'old' and 'new' or 'old'
  local r = R[side]
  if r.seen[2] >= r.seen[1] then
    writeRange('HSET', K[side].seen[1], r.seen, 2)
    redis.call('PEXPIRE', K[side].seen[1], ttl)
  end
  writeRange('HDEL', K[other].pending, r.takeKeys, 1)
  writeRange('ZREM', K[other].etime, r.takeKeys, 1)
  writeRange('ZREM', K[other].arrival, r.takeKeys, 1)
  writeRange('HSET', K[side].pending, r.pending, 2)
  writeRange('ZADD', K[side].etime, r.etimes, 2)
  writeRange('ZADD', K[side].arrival, r.arrivals, 2)
end
writeRange('HSET', OUTBOX, outboxRange, 2)
writeRange('ZADD', DUE, dueRange, 2)

local lastOffset, newest = {}, { old = {}, new = {} }
for s = 1, S do
  local seg = segs[s]
  lastOffset[seg.tp] = seg.last
  if seg.newest ~= '' then
    local t = tonumber(seg.newest)
    local known = newest[seg.side][seg.partition]
    if known == nil or t > known then newest[seg.side][seg.partition] = t end
  end
end
local decisions = {}
advance(K, KEYS[21], lastOffset, newest, streams)
expireByWatermark(K, OUTBOX, DUE, streams, horizon, expireLimit, now, ttl, decisions, { old = {}, new = {} })

local reply = { 'ok' }
for _, v in ipairs(decisions) do reply[#reply + 1] = v end
return reply
