--[[
  recordVerdicts: adds verdicts to the API's read model of one comparison, each once by pairId
  (a verdict read twice from Kafka, or published twice by the joiner, counts once).

  KEYS[1] seen           zset pairId -> decided at (ms): every verdict recorded, for idempotence
  KEYS[2] discrepancies  hash pairId -> verdict JSON (every verdict but match)
  KEYS[3] by time        zset pairId -> decided at (ms), the discrepancies
  KEYS[4] buckets        hash "<minute start ms>|<verdict>" -> count
  KEYS[5] totals         hash verdict -> count
  KEYS[6] fields         hash path -> count of verdicts that differ there
  KEYS[7] field first    hash path -> first seen (ms)
  KEYS[8] field last     hash path -> last seen (ms)
  KEYS[9] kind prefix    string: "<prefix>" of the per-kind zsets "<prefix><verdict>", of the
                         example lists "<prefix>ex:<path>" and of the zset "<prefix>minutes" of the
                         minutes the buckets hold (for trimVerdicts), and of the hash "<prefix>meta"
                         pairId -> the filter fields (key and paths, encoded by read-model.ts) of
                         each discrepancy, so a filtered read need not fetch the verdicts it skips,
                         and of the hash "<prefix>latency" "<minute start ms>|<bucket>" -> count
                         of pairs by latency-delta bucket (latency.ts); same hash tag as the other
                         keys; and of the discrepancy classes' keys "<prefix>cls:..."
                         (includes/record-classes.lua)

  ARGV[1] most distinct field paths (others count under "_other")
  ARGV[2] the classes' caps: most atoms, signatures, examples, sample entries per atom and
          baseline entries, joined by ","
  ARGV[3] number of verdicts n, then n groups of 11:
          pairId, verdict, decided at (ms), JSON ("" for a match), differing paths joined by \31,
          filter fields ("" for a match), latency-delta bucket ("" when not a pair),
          then the classes' atoms, metas, sample and baseline flag (record-classes.lua)

  Returns the number of verdicts that were new.
]]
--- @include "includes/record-classes"

local maxPaths = tonumber(ARGV[1])
local capList = {}
for c in string.gmatch(ARGV[2], '[^,]+') do capList[#capList + 1] = tonumber(c) end
local caps = { atoms = capList[1], signatures = capList[2], examples = capList[3], sample = capList[4], baseline = capList[5] }
local n = tonumber(ARGV[3])
local added = 0

for i = 0, n - 1 do
  local base = 4 + i * 11
  local pairId = ARGV[base]
  local verdict = ARGV[base + 1]
  local at = tonumber(ARGV[base + 2])
  if redis.call('ZADD', KEYS[1], 'NX', at, pairId) == 1 then
    added = added + 1
    local minute = at - (at % 60000)
    if redis.call('HINCRBY', KEYS[4], minute .. '|' .. verdict, 1) == 1 then
      redis.call('ZADD', KEYS[9] .. 'minutes', minute, minute)
    end
    redis.call('HINCRBY', KEYS[5], verdict, 1)
    local latency = ARGV[base + 6]
    if latency ~= '' then redis.call('HINCRBY', KEYS[9] .. 'latency', minute .. '|' .. latency, 1) end
    recordClasses(KEYS[9] .. 'cls:', pairId, at, ARGV[base + 7], ARGV[base + 8], ARGV[base + 9], ARGV[base + 10], caps)
    if verdict ~= 'match' then
      redis.call('HSET', KEYS[2], pairId, ARGV[base + 3])
      redis.call('HSET', KEYS[9] .. 'meta', pairId, ARGV[base + 5])
      redis.call('ZADD', KEYS[3], at, pairId)
      redis.call('ZADD', KEYS[9] .. verdict, at, pairId)
      local paths = ARGV[base + 4]
      if paths ~= '' then
        for path in string.gmatch(paths, '[^\31]+') do
          if redis.call('HEXISTS', KEYS[6], path) == 0 and redis.call('HLEN', KEYS[6]) >= maxPaths then path = '_other' end
          redis.call('HINCRBY', KEYS[6], path, 1)
          local first = tonumber(redis.call('HGET', KEYS[7], path) or '-1')
          if first < 0 or at < first then redis.call('HSET', KEYS[7], path, at) end
          local last = tonumber(redis.call('HGET', KEYS[8], path) or '0')
          if at > last then redis.call('HSET', KEYS[8], path, at) end
          local examples = KEYS[9] .. 'ex:' .. path
          redis.call('LPUSH', examples, pairId)
          redis.call('LTRIM', examples, 0, 4)
        end
      end
    end
  end
end
return added
