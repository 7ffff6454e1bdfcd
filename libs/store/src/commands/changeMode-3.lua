--[[
  changeMode: sets a comparison's mode if it is still the one the caller saw (compare and set),
  appends the change to the history and announces it on the change channel, all at once.

  KEYS[1] mode      string: the current mode (absent: the configured default applies)
  KEYS[2] history   list of JSON entries, newest first, at most ARGV[6] long
  KEYS[3] since     string: when the current mode was set (ms)

  ARGV[1] the mode the caller saw ("" when none was set)
  ARGV[2] the new mode
  ARGV[3] the history entry (JSON)
  ARGV[4] now (ms)
  ARGV[5] the channel to publish the entry on
  ARGV[6] most history entries to keep

  Returns 1, or -2 (MODE_CONFLICT) when the mode changed since the caller read it.
]]
--- @include "includes/codes"
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return CODE.MODE_CONFLICT end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
redis.call('PUBLISH', ARGV[5], ARGV[3])
return 1
