--[[
  Duplicate customer ids within one ingest run: for each id in order, 0 when first seen in this
  run (and remember its row), else the row it was first seen on. The scratch hash expires after
  a day in case the run never ends cleanly.

  Input:
    KEYS[1] the run's rows (hash id -> row)

    ARGV[1], ARGV[2], ... pairs of customer id, row

  Output:
    one number per pair
]]
local out = {}
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    out[#out + 1] = 0
  else
    out[#out + 1] = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  end
end
redis.call('PEXPIRE', KEYS[1], 86400000)
return out
