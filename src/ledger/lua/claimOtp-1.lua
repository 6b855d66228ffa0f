--[[
  At most one OTP per interval per customer: claim the slot only if the last one is old enough.

  Input:
    KEYS[1] customer hash

    ARGV[1] now (ms)
    ARGV[2] minimum interval (ms)

  Output:
    the OTP's number (status:otpCount after this one), or 0 when it is too early
]]
local last = tonumber(redis.call('HGET', KEYS[1], 'status:otpSentAt') or '0')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status:otpSentAt', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'status:otpCount', 1)
