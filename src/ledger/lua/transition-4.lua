--[[
  Move a customer to a stage and state, and keep the watch set (customers due for a re-check)
  true. The batch index moves in the same MULTI (see Ledger.transition). A missing customer is
  left alone rather than half-created. With notifications on, a change of state is also added to
  the outbox stream in the same script, so it can never be lost or sent for a change not made.

  Input:
    KEYS[1] customer hash
    KEYS[2] customer history (list)
    KEYS[3] watch (zset)
    KEYS[4] notification outbox (stream)

    ARGV[1] customer id
    ARGV[2] stage
    ARGV[3] state
    ARGV[4] now (ISO)
    ARGV[5] history entry (JSON), '' for none
    ARGV[6] reason, '' deletes it
    ARGV[7] details (JSON), '' deletes them
    ARGV[8] action, '' deletes it
    ARGV[9] watch-at (ms), '' unwatches
    ARGV[10] notification event id, '' when notifications are off (a change to any state but in_progress is notified)

  Output:
    1 moved, 0 no such customer
]]
local prev = redis.call('HMGET', KEYS[1], 'batch', 'state', 'gen', 'flow')
if not prev[1] then return 0 end
redis.call('HSET', KEYS[1], 'stage', ARGV[2], 'state', ARGV[3], 'updatedAt', ARGV[4])
local fields = {'reason', 'details', 'action'}
for i = 1, 3 do
  if ARGV[5 + i] == '' then redis.call('HDEL', KEYS[1], fields[i]) else redis.call('HSET', KEYS[1], fields[i], ARGV[5 + i]) end
end
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[5]) end
if ARGV[9] == '' then redis.call('ZREM', KEYS[3], ARGV[1]) else redis.call('ZADD', KEYS[3], tonumber(ARGV[9]), ARGV[1]) end
-- `in_progress` is notified when first seen (register, new generation), not on every return to it.
-- previousState is the state last notified, so the ISV's notifications form an unbroken chain.
if ARGV[10] ~= '' and prev[2] ~= ARGV[3] and ARGV[3] ~= 'in_progress' then
  local last = redis.call('HGET', KEYS[1], 'notifiedState') or ''
  redis.call('XADD', KEYS[4], '*', 'id', ARGV[10], 'customerId', ARGV[1], 'batchId', prev[1], 'gen', prev[3] or '1',
    'flow', prev[4] or 'sole-proprietor', 'stage', ARGV[2], 'state', ARGV[3], 'previousState', last,
    'at', ARGV[4], 'reason', ARGV[6], 'action', ARGV[8])
  redis.call('HSET', KEYS[1], 'notifiedState', ARGV[3])
end
return 1
