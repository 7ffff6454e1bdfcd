--[[
  applyRecords: applies, in one atomic step, the records of any number of partitions of both
  sides of a comparison (what one flush of the joiner read).

  For each record not yet applied (offset above its partition's applied offset), in the order given:
  - counts it under its key on its side; with duplicates=first a second record of a key is a
    duplicate, with duplicates=sequence the n-th record pairs with the other side's n-th;
  - pairs it with a record of the other side in this same call that has the same pair key, or
  - pairs it with the other side's parked record of the same pair key, or
  - declares it late when its counterpart was already declared missing (a tombstone), or
  - declares the other side missing at once when that side's stream time (as it was before this
    call) has already passed the record's event time plus the horizon, or
  - parks it.
  Then records each partition's applied offset and stream time, and declares missing every parked
  record that the other side's stream time has passed (watermark). Every decision goes to the
  outbox in the same atomic step. Nothing is done when the state epoch is not the one the caller
  knows (Redis lost its state): the caller must recover first.

  Size: some 300 lines of code under this header, in one file on purpose: it is the one pairing
  rule, read top to bottom. The body is one pass through tables every step shares (the live
  records, the seen counts, the leftovers, the hints taken, the decisions) in an order that
  matters: everything is read and decided before anything is written, so GAP and NEED_BLOBS
  return with nothing written. Cut into includes, those tables would become locals that one file
  sets and another reads unseen (as includes/apply-head does for six scalars), and no part would
  be shared: applyPredicted checks predictions in bulk instead of deciding record by record.

  Continuity. A segment may name the offset of the record its caller handed over just before the
  segment's first (in an earlier call). If the partition's applied offset is below it, that
  earlier record was never applied (its call failed while this one was already on its way):
  applying this segment would skip records for good, so the call returns GAP with nothing written,
  and the caller reads the partition again from where it failed.

  Pair hints. The caller may already have paired and compared records itself: two records of this
  call (it holds both payloads), or a record of this call and a partner it read from the other
  side's parked records. A hint names them and carries the verdict to publish, or '' when there is
  none to publish (an unsampled match). When this script pairs exactly those records, it takes the
  hint: the verdict goes to the outbox as it is (nothing when ''), and the record's blob is not
  needed, so the caller may leave it out (''). When it decides otherwise (a duplicate, a partner
  taken in the meantime), it needs the blobs: if one is missing it returns NEED_BLOBS before
  writing anything, and the caller sends the call again with every blob.

  Retention. Seen counters and tombstones live in hashes per time bucket (the caller names the
  current bucket and the two before it, which are all that can still hold keys younger than the
  retention period); a bucket expires by itself (PEXPIRE), so nothing is indexed per key.

  KEYS[1]  pending, old          hash pairKey -> entry ("topic/partition/offset\nblob")
  KEYS[2]  pending, new
  KEYS[3]  event-time index, old zset pairKey -> event time (ms)
  KEYS[4]  event-time index, new
  KEYS[5]  arrival index, old    zset pairKey -> wall-clock arrival (ms)
  KEYS[6]  arrival index, new
  KEYS[7]  stream times, old     hash partition -> newest event time (-1 before any)
  KEYS[8]  stream times, new
  KEYS[9..11]  seen counters, old, buckets current, previous, the one before   hash key -> count
  KEYS[12..14] seen counters, new, same buckets
  KEYS[15..17] tombstones, old, same buckets   hash pairKey -> entry of the new record whose old
                                               partner was declared missing
  KEYS[18..20] tombstones, new, same buckets
  KEYS[21] applied offsets       hash "topic/partition" -> last applied offset
  KEYS[22] outbox                hash decision id -> decision
  KEYS[23] outbox due index      zset decision id -> decided at (ms)
  KEYS[24] state epoch           string

  ARGV[1] now (ms)   ARGV[2] horizon: window + grace (ms)   ARGV[3] most watermark expiries per side
  ARGV[4] duplicates: "first" | "sequence"   ARGV[5] the state epoch the caller knows
  ARGV[6] how long the current retention bucket is kept from now (ms)
  ARGV[7] segments S   ARGV[8] records N   ARGV[9] pair hints H   ARGV[10] parked-partner hints P, then
    S groups of 5: side ("old" | "new"), topic, partition, number of records, the offset handed
      over before the segment's first record ('' = none known);
    N groups of 5, the segments' records in order: offset, kind ("r" | "i"), key, event time, blob ('' = left out);
    H groups of 3: old record's index, new record's index (1-based, in the order above), verdict ('' = none);
    P groups of 3: record's index, its parked partner's "topic/partition/offset", verdict ('' = none).

  Returns { hints taken ("1"/"0" per pair hint, then per parked-partner hint), S groups of 8
  counts (applied, skipped, paired, parked, duplicate, invalid, missing, late), id1, decision1, ... };
  { -1 } (STATE_LOST) when the epoch differs; { -3 } (NEED_BLOBS) when a left-out blob is needed,
  or { -5 } (GAP) when a segment does not follow what was applied, with nothing written. A taken hint's decision id is its new record's "topic/partition/offset"
  (a pair hint) or its record's (a parked-partner hint).
]]
--- @include "includes/codes"
--- @include "includes/add-decision"
--- @include "includes/batch"
--- @include "includes/side-keys"
--- @include "includes/stream-time"

--- @include "includes/apply-head"

local S, N, H, P = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local OTHER = { old = 'new', new = 'old' }

-- Segments, records and hints.
local segs, recs = {}, {}
local tps, tpIndex = {}, {}
local at = 11
for s = 1, S do
  local seg = { side = ARGV[at], partition = ARGV[at + 2], count = tonumber(ARGV[at + 3]), after = ARGV[at + 4],
                applied = 0, skipped = 0, paired = 0, parked = 0, duplicate = 0, invalid = 0, missing = 0, late = 0 }
  seg.tp = ARGV[at + 1] .. '/' .. seg.partition
  if not tpIndex[seg.tp] then tps[#tps + 1] = seg.tp; tpIndex[seg.tp] = #tps end
  segs[s] = seg
  at = at + 5
end
for s = 1, S do
  local seg = segs[s]
  for _ = 1, seg.count do
    recs[#recs + 1] = { seg = seg, side = seg.side, offset = ARGV[at], kind = ARGV[at + 1], key = ARGV[at + 2],
                        et = tonumber(ARGV[at + 3]), blob = ARGV[at + 4], index = #recs + 1 }
    at = at + 5
  end
end
local hintOf, parkedHintOf = {}, {}
for h = 1, H do
  hintOf[tonumber(ARGV[at])] = { h = h, new = tonumber(ARGV[at + 1]), verdict = ARGV[at + 2] }
  at = at + 3
end
for h = 1, P do
  parkedHintOf[tonumber(ARGV[at])] = { h = H + h, partner = ARGV[at + 1], verdict = ARGV[at + 2] }
  at = at + 3
end

-- Offsets already applied: a record at or below its partition's is redelivered and skipped.
local appliedOffset, lastOffset = {}, {}
local stored = hmget(KEYS[21], tps)
for i, tp in ipairs(tps) do appliedOffset[tp] = tonumber(stored[i] or '-1') end
-- Continuity: every segment follows what is applied, or what an earlier segment of this call brings.
do
  local reach = {}
  for tp, offset in pairs(appliedOffset) do reach[tp] = offset end
  local first = 1
  for _, seg in ipairs(segs) do
    if seg.after ~= '' and tonumber(seg.after) > reach[seg.tp] then return { CODE.GAP } end
    local last = tonumber(recs[first + seg.count - 1].offset)
    if last > reach[seg.tp] then reach[seg.tp] = last end
    first = first + seg.count
  end
end
local live = {}
for _, r in ipairs(recs) do
  local offset = tonumber(r.offset)
  if offset <= appliedOffset[r.seg.tp] then
    r.seg.skipped = r.seg.skipped + 1
  else
    appliedOffset[r.seg.tp] = offset
    lastOffset[r.seg.tp] = r.offset
    r.seg.applied = r.seg.applied + 1
    r.id = r.seg.tp .. '/' .. r.offset
    live[#live + 1] = r
  end
end

-- Seen counters of the keys in this call, newest bucket first.
local count = { old = {}, new = {} }
do
  local keysOf = { old = {}, new = {} }
  local listed = { old = {}, new = {} }
  for _, r in ipairs(live) do
    if r.kind == 'r' and not listed[r.side][r.key] then
      listed[r.side][r.key] = true
      keysOf[r.side][#keysOf[r.side] + 1] = r.key
    end
  end
  for side, list in pairs(keysOf) do
    if #list > 0 then
      for b = 3, 1, -1 do
        local values = hmget(K[side].seen[b], list)
        for i, key in ipairs(list) do
          if values[i] then count[side][key] = tonumber(values[i]) end
        end
      end
    end
  end
end

-- Count, flag duplicates and pair within the call.
local decisions = {}
local waiting = { old = {}, new = {} }
local candidates, pairsInCall = {}, {}
local touched = { old = {}, new = {} }
local newest = { old = {}, new = {} }
for _, r in ipairs(live) do
  if r.kind ~= 'r' then
    r.outcome = 'invalid'
  else
    local seen = (count[r.side][r.key] or 0) + 1
    count[r.side][r.key] = seen
    touched[r.side][r.key] = seen
    if not sequence and seen > 1 then
      r.outcome = 'duplicate'
    else
      r.pairKey = sequence and (r.key .. '#' .. seen) or r.key
      local other = OTHER[r.side]
      local partner = waiting[other][r.pairKey]
      if partner then
        waiting[other][r.pairKey] = nil
        partner.outcome, r.outcome = 'paired', 'paired'
        pairsInCall[#pairsInCall + 1] = { first = partner, second = r }
      else
        waiting[r.side][r.pairKey] = r
        candidates[#candidates + 1] = r
      end
    end
    local t = newest[r.side][r.seg.partition]
    if t == nil or r.et > t then newest[r.side][r.seg.partition] = r.et end
  end
end

-- Which pair hints hold.
local taken = {}
for _, p in ipairs(pairsInCall) do
  local o, n = p.first, p.second
  if o.side ~= 'old' then o, n = n, o end
  local hint = hintOf[o.index]
  if hint and hint.new == n.index then
    taken[hint.h] = true
    p.hint = hint
    o.hinted, n.hinted = true, true
  end
end

-- Stream times as they were before this call (for missing on arrival).
local streams = readStreams(K)
local timeBefore = { old = sideTime(streams.old), new = sideTime(streams.new) }

-- Records with no partner in the call: a parked partner, a tombstone, missing on arrival, or
-- parked. Everything is read and decided before anything is written.
local leftovers = { old = {}, new = {} }
for _, r in ipairs(candidates) do
  if r.outcome == nil then leftovers[r.side][#leftovers[r.side] + 1] = r end
end
for side, list in pairs(leftovers) do
  if #list > 0 then
    local other = OTHER[side]
    local fields = {}
    for i, r in ipairs(list) do fields[i] = r.pairKey end
    local partners = hmget(K[other].pending, fields)
    local lates = { hmget(K[side].late[1], fields), hmget(K[side].late[2], fields), hmget(K[side].late[3], fields) }
    for i, r in ipairs(list) do
      if partners[i] then
        r.outcome, r.partner = 'paired', partners[i]
        local hint = parkedHintOf[r.index]
        if hint and entryId(partners[i]) == hint.partner then
          taken[hint.h] = true
          r.hint, r.hinted = hint, true
        end
      else
        for b = 1, 3 do
          if not r.tombstone and lates[b][i] then r.tombstone, r.lateBucket = lates[b][i], b end
        end
        if r.tombstone then
          r.outcome = 'late'
        elseif timeBefore[other] ~= nil and timeBefore[other] > r.et + horizon then
          r.outcome = 'missing'
        else
          r.outcome = 'parked'
        end
      end
    end
  end
end

-- A record whose hint did not hold needs its blob.
for _, r in ipairs(live) do
  if r.blob == '' and not r.hinted then return { CODE.NEED_BLOBS } end
end

local function entryOf(r) return r.id .. '\n' .. r.blob end
local function ordered(side, mine, theirs)
  if side == 'old' then return mine, theirs end
  return theirs, mine
end
local tombstones = { old = {}, new = {} }
local function addTombstone(side, pairKey, entry)
  local list = tombstones[side]
  list[#list + 1] = pairKey
  list[#list + 1] = entry
end
local function putVerdict(id, verdict)
  if verdict ~= '' then
    redis.call('HSET', OUTBOX, id, 'v\30' .. verdict)
    redis.call('ZADD', DUE, now, id)
  end
end

do
  local take = { old = {}, new = {} }
  local park = { old = { entries = {}, etimes = {}, arrivals = {} }, new = { entries = {}, etimes = {}, arrivals = {} } }
  local lateUsed = { old = { {}, {}, {} }, new = { {}, {}, {} } }
  for side, list in pairs(leftovers) do
    local other = OTHER[side]
    for _, r in ipairs(list) do
      if r.outcome == 'paired' then
        take[other][#take[other] + 1] = r.pairKey
        if r.hint then
          putVerdict(r.id, r.hint.verdict)
        else
          local o, nw = ordered(side, entryOf(r), r.partner)
          addDecision(OUTBOX, DUE, decisions, r.id, 'pair', '', now, o, nw)
        end
      elseif r.outcome == 'late' then
        local used = lateUsed[side][r.lateBucket]
        used[#used + 1] = r.pairKey
        local o, nw = ordered(side, entryOf(r), r.tombstone)
        addDecision(OUTBOX, DUE, decisions, r.id, 'late', '', now, o, nw)
      elseif r.outcome == 'missing' then
        local entry = entryOf(r)
        local o, nw = ordered(side, entry, '')
        addDecision(OUTBOX, DUE, decisions, r.id, 'missing', 'watermark', now, o, nw)
        addTombstone(other, r.pairKey, entry)
      else
        local p = park[side]
        p.entries[#p.entries + 1] = r.pairKey
        p.entries[#p.entries + 1] = entryOf(r)
        p.etimes[#p.etimes + 1] = r.et
        p.etimes[#p.etimes + 1] = r.pairKey
        p.arrivals[#p.arrivals + 1] = now
        p.arrivals[#p.arrivals + 1] = r.pairKey
      end
    end
  end
  for side, list in pairs(take) do
    if #list > 0 then
      batch('HDEL', K[side].pending, list, 1)
      batch('ZREM', K[side].etime, list, 1)
      batch('ZREM', K[side].arrival, list, 1)
    end
  end
  for side, buckets in pairs(lateUsed) do
    for b = 1, 3 do if #buckets[b] > 0 then batch('HDEL', K[side].late[b], buckets[b], 1) end end
  end
  for side, p in pairs(park) do
    if #p.entries > 0 then
      batch('HSET', K[side].pending, p.entries, 2)
      batch('ZADD', K[side].etime, p.etimes, 2)
      batch('ZADD', K[side].arrival, p.arrivals, 2)
    end
  end
end

-- Pairs within the call: a taken hint carries its verdict, the rest are decided from both entries.
for _, p in ipairs(pairsInCall) do
  local o, n = p.first, p.second
  if o.side ~= 'old' then o, n = n, o end
  if p.hint then
    putVerdict(n.id, p.hint.verdict)
  else
    addDecision(OUTBOX, DUE, decisions, p.second.id, 'pair', '', now, entryOf(o), entryOf(n))
  end
end
for _, r in ipairs(live) do
  if r.outcome == 'duplicate' or r.outcome == 'invalid' then
    local o, nw = ordered(r.side, entryOf(r), '')
    addDecision(OUTBOX, DUE, decisions, r.id, r.outcome, '', now, o, nw)
  end
  r.seg[r.outcome] = r.seg[r.outcome] + 1
end

-- Seen counters, into the current bucket (which keeps them for the retention period).
for side, keys in pairs(touched) do
  local flat = {}
  for key, seen in pairs(keys) do flat[#flat + 1] = key; flat[#flat + 1] = seen end
  if #flat > 0 then
    batch('HSET', K[side].seen[1], flat, 2)
    redis.call('PEXPIRE', K[side].seen[1], ttl)
  end
end

advance(K, KEYS[21], lastOffset, newest, streams)
expireByWatermark(K, OUTBOX, DUE, streams, horizon, expireLimit, now, ttl, decisions, tombstones)

local flags = {}
for h = 1, H + P do flags[h] = taken[h] and '1' or '0' end
local reply = { table.concat(flags) }
for _, seg in ipairs(segs) do
  for _, name in ipairs({ 'applied', 'skipped', 'paired', 'parked', 'duplicate', 'invalid', 'missing', 'late' }) do
    reply[#reply + 1] = seg[name]
  end
end
for _, v in ipairs(decisions) do reply[#reply + 1] = v end
return reply
