-- sideKeys(): the keys of each side, as applyRecords and applyPredicted both take them
-- (KEYS 1-8 pending, event-time and arrival indexes and stream times of old and new; 9-14 the seen
-- buckets; 15-20 the tombstone buckets, current bucket first).
local function sideKeys()
  return {
    old = { pending = KEYS[1], etime = KEYS[3], arrival = KEYS[5], stream = KEYS[7],
            seen = { KEYS[9], KEYS[10], KEYS[11] }, late = { KEYS[15], KEYS[16], KEYS[17] } },
    new = { pending = KEYS[2], etime = KEYS[4], arrival = KEYS[6], stream = KEYS[8],
            seen = { KEYS[12], KEYS[13], KEYS[14] }, late = { KEYS[18], KEYS[19], KEYS[20] } },
  }
end
