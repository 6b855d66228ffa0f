--[[
  Which server process holds the ledger's slot (INFO's run_id), swapped for the last one seen.
  A script runs on the node that owns its keys, so this asks the right node of a Cluster too.

  Input:
    KEYS[1] last run id seen
    KEYS[2] lookup-first-until (ms)

    ARGV[1] until (ms): the end of the window opened when the run id changed

  Output:
    1 when the run id changed (Redis restarted or failed over), else 0
]]
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if not run then return 0 end
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], run)
if prev and prev ~= run then
  redis.call('SET', KEYS[2], ARGV[1])
  return 1
end
return 0
