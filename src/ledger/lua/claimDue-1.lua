--[[
  Hand out customers due for a re-check: take up to ARGV[2] members due by ARGV[1] and push their
  score to ARGV[3] (a lease, so a second sweep skips them), atomically.

  Input:
    KEYS[1] watch (zset)

    ARGV[1] now (ms)
    ARGV[2] limit
    ARGV[3] lease until (ms)

  Output:
    the customer ids claimed
]]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), id) end
return due
