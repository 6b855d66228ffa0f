--[[
  The OTP claimed earlier has reached Twilio: move status:otpSentAt up to when it did, never back.
  The next re-send is then at least the interval after the text the customer really got, not after
  the claim (the request may wait on the OTP budget or a retry after the claim).

  Input:
    KEYS[1] customer hash

    ARGV[1] when Twilio accepted the request (ms)

  Output:
    1 when the time moved, else 0
]]
local last = tonumber(redis.call('HGET', KEYS[1], 'status:otpSentAt') or '0')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('HSET', KEYS[1], 'status:otpSentAt', ARGV[1])
return 1
