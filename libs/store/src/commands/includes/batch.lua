-- batch(command, key, list, width): runs `command key ...list` in calls of at most 1000 arguments
-- (a whole number of `width`-long groups), so a long list never overflows Lua's stack in unpack.
local function batch(command, key, list, width)
  local step = 1000 - (1000 % width)
  for i = 1, #list, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end

-- hmget(key, fields): HMGET in calls of at most 1000 fields; false where a field is absent.
local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + 999, #fields)))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end
