--[[
  A new generation of a customer (redrive, or corrected data): in-flight jobs of the old one
  become no-ops. With new data, the reuse counts move from the old mobile/email to the new ones
  (refused when a limit would be crossed).

  Input:
    KEYS[1] customer hash
    KEYS[2] customer history (list)
    KEYS[3] watch (zset)
    KEYS[4] reuse counts by mobile hash
    KEYS[5] reuse counts by email hash
    KEYS[6] notification outbox (stream)

    ARGV[1]  customer id
    ARGV[2]  stage
    ARGV[3]  now (ISO)
    ARGV[4]  history entry (JSON)
    ARGV[5]  watch-at (ms)
    ARGV[6]  customer data (JSON), '' to keep the data
    ARGV[7]  new mobile hash ('' = no reuse limit)
    ARGV[8]  new email hash ('' = no reuse limit)
    ARGV[9]  mobile limit
    ARGV[10] email limit
    ARGV[11] notification event id, '' when notifications are off (sent when the state changes)

  Output:
    {'ok', gen} | {'mobile', count} | {'email', count} | {'missing'}
]]
local prev = redis.call('HMGET', KEYS[1], 'state', 'batch', 'mobileHash', 'emailHash', 'flow')
if not prev[2] then return {'missing'} end
if ARGV[6] ~= '' then
  -- '' = no reuse limit for this customer (business flow); a previous '' counted nothing.
  local pm = prev[3]
  if pm == '' then pm = false end
  local pe = prev[4]
  if pe == '' then pe = false end
  if ARGV[7] ~= '' and ARGV[7] ~= pm then
    local m = tonumber(redis.call('HGET', KEYS[4], ARGV[7]) or '0')
    if m + 1 > tonumber(ARGV[9]) then return {'mobile', tostring(m)} end
  end
  if ARGV[8] ~= '' and ARGV[8] ~= pe then
    local e = tonumber(redis.call('HGET', KEYS[5], ARGV[8]) or '0')
    if e + 1 > tonumber(ARGV[10]) then return {'email', tostring(e)} end
  end
  if ARGV[7] ~= pm then
    if pm then redis.call('HINCRBY', KEYS[4], pm, -1) end
    if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[7], 1) end
  end
  if ARGV[8] ~= pe then
    if pe then redis.call('HINCRBY', KEYS[5], pe, -1) end
    if ARGV[8] ~= '' then redis.call('HINCRBY', KEYS[5], ARGV[8], 1) end
  end
  redis.call('HSET', KEYS[1], 'data', ARGV[6], 'mobileHash', ARGV[7], 'emailHash', ARGV[8])
end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'stage', ARGV[2], 'state', 'in_progress', 'updatedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'reason', 'details', 'action')
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[1])
if ARGV[11] ~= '' and prev[1] ~= 'in_progress' then
  local last = redis.call('HGET', KEYS[1], 'notifiedState') or ''
  redis.call('XADD', KEYS[6], '*', 'id', ARGV[11], 'customerId', ARGV[1], 'batchId', prev[2], 'gen', tostring(gen),
    'flow', prev[5] or 'sole-proprietor', 'stage', ARGV[2], 'state', 'in_progress', 'previousState', last,
    'at', ARGV[3], 'reason', '', 'action', '')
  redis.call('HSET', KEYS[1], 'notifiedState', 'in_progress')
end
return {'ok', tostring(gen)}
