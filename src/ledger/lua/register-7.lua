--[[
  Register a customer of a batch, atomically: refuse one already in the ledger or one whose mobile
  or email crosses its brand reuse limit; else count the reuse and record the customer.

  Input:
    KEYS[1] customer hash
    KEYS[2] batch customers (zset by row)
    KEYS[3] reuse counts by mobile hash
    KEYS[4] reuse counts by email hash
    KEYS[5] customer history (list)
    KEYS[6] watch (zset: customers due for a re-check)
    KEYS[7] notification outbox (stream)

    ARGV[1]  batch id
    ARGV[2]  row
    ARGV[3]  customer data (JSON)
    ARGV[4]  now (ISO)
    ARGV[5]  mobile hash, '' when no reuse limit applies
    ARGV[6]  email hash, '' when no reuse limit applies
    ARGV[7]  mobile limit
    ARGV[8]  email limit
    ARGV[9]  customer id
    ARGV[10] history entry (JSON)
    ARGV[11] watch-at (ms)
    ARGV[12] first stage
    ARGV[13] flow
    ARGV[14] notification event id ('' when notifications are off): the customer's first `in_progress`

  Output:
    {'ok'} | {'exists', batch, state, stage} | {'mobile', count} | {'email', count}
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'batch', 'state', 'stage')
  return {'exists', f[1], f[2], f[3]}
end
-- An empty hash means the limit does not apply (business customers register no brand here).
if ARGV[5] ~= '' then
  local m = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
  if m + 1 > tonumber(ARGV[7]) then return {'mobile', tostring(m)} end
end
if ARGV[6] ~= '' then
  local e = tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or '0')
  if e + 1 > tonumber(ARGV[8]) then return {'email', tostring(e)} end
end
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[5], 1) end
if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[6], 1) end
redis.call('HSET', KEYS[1], 'batch', ARGV[1], 'row', ARGV[2], 'data', ARGV[3], 'gen', '1', 'stage', ARGV[12] or 'starter-profile',
  'state', 'in_progress', 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'mobileHash', ARGV[5], 'emailHash', ARGV[6], 'flow', ARGV[13] or 'sole-proprietor')
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[9])
redis.call('RPUSH', KEYS[5], ARGV[10])
redis.call('ZADD', KEYS[6], tonumber(ARGV[11]), ARGV[9])
if ARGV[14] and ARGV[14] ~= '' then
  redis.call('XADD', KEYS[7], '*', 'id', ARGV[14], 'customerId', ARGV[9], 'batchId', ARGV[1], 'gen', '1',
    'flow', ARGV[13] or 'sole-proprietor', 'stage', ARGV[12] or 'starter-profile', 'state', 'in_progress', 'previousState', '',
    'at', ARGV[4], 'reason', '', 'action', '')
  redis.call('HSET', KEYS[1], 'notifiedState', 'in_progress')
end
return {'ok'}
