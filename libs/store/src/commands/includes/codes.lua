-- The negative codes a script returns, one table for all scripts. It is ScriptCode in
-- libs/store/src/errors.ts; a test (libs/store/test/script-codes.test.ts) checks that the two
-- agree and that no script returns a literal code.
local CODE = { STATE_LOST = -1, MODE_CONFLICT = -2, NEED_BLOBS = -3, NEED_GENERAL = -4, GAP = -5 }
