--[[
  Delete a create's lease only if it is still ours (it may have expired and been taken by another try).

  Input:
    KEYS[1] lease key

    ARGV[1] our token

  Output:
    1 released, 0 not ours (or gone)
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
