--[[
  Move a customer in its batch's index (see batch-index.ts): read where the index last put it and
  move the counts and the state filter, atomically, so concurrent transitions of one customer never
  leave the counts off by one.

  Input:
    KEYS[1]     batch where (hash id -> "stage|state")
    KEYS[2]     batch counts (hash "stage|state" -> customers)
    KEYS[3]     ledger counts (hash state -> customers)
    KEYS[4]     customer hash
    KEYS[5..12] the batch's state filters (zset by row), one per state, in the order of ARGV[7..]

    ARGV[1]     customer id
    ARGV[2]     row
    ARGV[3]     stage
    ARGV[4]     state
    ARGV[5]     mode: 'move' to ARGV[3..4]; 'init' right after a registration in the same MULTI
                (index a customer of this batch not indexed yet, where its record says); 'sync'
                after a new generation (move it to wherever its record now says)
    ARGV[6]     batch id
    ARGV[7..]   the state names, matching KEYS[5..]

  Output:
    1 moved, 0 nothing to do
]]
local id, row, stage, state, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local prev = redis.call('HGET', KEYS[1], id)
if mode == 'init' or mode == 'sync' then
  -- 'init' indexes neither a customer refused by the registration nor one of another batch.
  if prev and mode == 'init' then return 0 end
  local rec = redis.call('HMGET', KEYS[4], 'batch', 'stage', 'state')
  if rec[1] ~= ARGV[6] then return 0 end
  stage, state = rec[2] or stage, rec[3] or state
end
local now = stage .. '|' .. state
if prev == now then return 0 end
local function zkey(s)
  for i = 7, #ARGV do if ARGV[i] == s then return KEYS[i - 2] end end
  return nil
end
if prev then
  redis.call('HINCRBY', KEYS[2], prev, -1)
  local pstate = string.match(prev, '^[^|]*|(.*)$') or ''
  redis.call('HINCRBY', KEYS[3], pstate, -1)
  local pk = zkey(pstate)
  if pk then redis.call('ZREM', pk, id) end
end
redis.call('HSET', KEYS[1], id, now)
redis.call('HINCRBY', KEYS[2], now, 1)
redis.call('HINCRBY', KEYS[3], state, 1)
local k = zkey(state)
if k then redis.call('ZADD', k, tonumber(row) or 0, id) end
return 1
