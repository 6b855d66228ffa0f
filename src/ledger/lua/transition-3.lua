--[[
  Move a customer to a stage and state, and keep the watch set (customers due for a re-check)
  true. The batch index moves in the same MULTI (see Ledger.transition). A missing customer is
  left alone rather than half-created.

  Input:
    KEYS[1] customer hash
    KEYS[2] customer history (list)
    KEYS[3] watch (zset)

    ARGV[1] customer id
    ARGV[2] stage
    ARGV[3] state
    ARGV[4] now (ISO)
    ARGV[5] history entry (JSON), '' for none
    ARGV[6] reason, '' deletes it
    ARGV[7] details (JSON), '' deletes them
    ARGV[8] action, '' deletes it
    ARGV[9] watch-at (ms), '' unwatches

  Output:
    1 moved, 0 no such customer
]]
if not redis.call('HGET', KEYS[1], 'batch') then return 0 end
redis.call('HSET', KEYS[1], 'stage', ARGV[2], 'state', ARGV[3], 'updatedAt', ARGV[4])
local fields = {'reason', 'details', 'action'}
for i = 1, 3 do
  if ARGV[5 + i] == '' then redis.call('HDEL', KEYS[1], fields[i]) else redis.call('HSET', KEYS[1], fields[i], ARGV[5 + i]) end
end
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[5]) end
if ARGV[9] == '' then redis.call('ZREM', KEYS[3], ARGV[1]) else redis.call('ZADD', KEYS[3], tonumber(ARGV[9]), ARGV[1]) end
return 1
