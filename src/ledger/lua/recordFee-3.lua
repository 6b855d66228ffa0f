--[[
  Record one submission's fee once per entry key, and move the batch's and the ledger's totals
  with it.

  Input:
    KEYS[1] customer fees (hash entry key -> entry JSON)
    KEYS[2] batch totals (hash)
    KEYS[3] ledger totals (hash)

    ARGV[1] entry key
    ARGV[2] entry (JSON)
    ARGV[3] kind
    ARGV[4] cents
    ARGV[5] mock: '1' or '0'

  Output:
    1 recorded, 0 the key was already there
]]
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
for i = 2, 3 do
  redis.call('HINCRBY', KEYS[i], 'cents', tonumber(ARGV[4]))
  redis.call('HINCRBY', KEYS[i], ARGV[3] .. ':cents', tonumber(ARGV[4]))
  redis.call('HINCRBY', KEYS[i], ARGV[3] .. ':count', 1)
  if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[i], ARGV[3] .. ':mock', 1) end
end
return 1
