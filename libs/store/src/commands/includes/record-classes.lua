-- recordClasses(prefix, pairId, at, atoms, metas, sample, baseline, caps): counts one new verdict
-- into the discrepancy classes of the read model (libs/store/src/read-model-classes.ts reads them,
-- libs/compare/src/classes.ts groups them). Every key starts with `prefix` ("<kind prefix>cls:"),
-- so it shares the comparison's hash tag:
--   sig        hash  signature (atom ids joined by ",") -> discrepancies; beyond caps.signatures
--                    distinct ones, "_other"
--   n          hash  atom id -> discrepancies holding it; beyond caps.atoms distinct ones, the
--                    atom is not counted (and "_dropped" is)
--   meta       hash  atom id -> the atom as JSON (path, kind, change)
--   first/last hash  atom id -> first and last decided at (ms)
--   max        hash  atom id -> the widest measure seen (timestamps' ms, float noise's ratio)
--   ex:<id>    list  the atom's newest pairIds (caps.examples)
--   s:<id>     list  the atom's newest sample entries (caps.sample)
--   base       list  newest baseline entries: matches, and discrepancies in generated values only
--   h:<hour>   hash  atom id -> discrepancies decided in that hour; expires 7 hours after it
-- atoms: ids joined by "\31" ("" for a match); metas: "<id>\30<json>\30<measure or ''>" joined by
-- "\31"; sample: the entry's JSON ("" when not sampled); baseline: "1" to add it to base.
local function recordClasses(prefix, pairId, at, atoms, metas, sample, baseline, caps)
  if baseline == '1' and sample ~= '' then
    redis.call('LPUSH', prefix .. 'base', sample)
    redis.call('LTRIM', prefix .. 'base', 0, caps.baseline - 1)
  end
  if atoms == '' then return end
  local sig = string.gsub(atoms, '\31', ',')
  if redis.call('HEXISTS', prefix .. 'sig', sig) == 0 and redis.call('HLEN', prefix .. 'sig') >= caps.signatures then sig = '_other' end
  redis.call('HINCRBY', prefix .. 'sig', sig, 1)
  local hour = at - (at % 3600000)
  local hourKey = prefix .. 'h:' .. hour
  for meta in string.gmatch(metas, '[^\31]+') do
    local id, json, measure = string.match(meta, '^([^\30]*)\30([^\30]*)\30([^\30]*)$')
    if id and (redis.call('HEXISTS', prefix .. 'n', id) == 1 or redis.call('HLEN', prefix .. 'n') < caps.atoms) then
      if redis.call('HINCRBY', prefix .. 'n', id, 1) == 1 then
        redis.call('HSET', prefix .. 'meta', id, json)
        redis.call('HSET', prefix .. 'first', id, at)
        redis.call('HSET', prefix .. 'last', id, at)
      else
        -- Verdicts come in any order (partitions, replays): first and last are a min and a max.
        if at < tonumber(redis.call('HGET', prefix .. 'first', id)) then redis.call('HSET', prefix .. 'first', id, at) end
        if at > tonumber(redis.call('HGET', prefix .. 'last', id)) then redis.call('HSET', prefix .. 'last', id, at) end
      end
      local m = tonumber(measure)
      if m and m == m and m ~= math.huge and m ~= -math.huge then
        local widest = tonumber(redis.call('HGET', prefix .. 'max', id) or '-1')
        if m > widest then redis.call('HSET', prefix .. 'max', id, measure) end
      end
      redis.call('LPUSH', prefix .. 'ex:' .. id, pairId)
      redis.call('LTRIM', prefix .. 'ex:' .. id, 0, caps.examples - 1)
      if sample ~= '' then
        redis.call('LPUSH', prefix .. 's:' .. id, sample)
        redis.call('LTRIM', prefix .. 's:' .. id, 0, caps.sample - 1)
      end
      redis.call('HINCRBY', hourKey, id, 1)
    elseif id then
      redis.call('HINCRBY', prefix .. 'n', '_dropped', 1)
    end
  end
  redis.call('PEXPIREAT', hourKey, hour + 7 * 3600000)
end
