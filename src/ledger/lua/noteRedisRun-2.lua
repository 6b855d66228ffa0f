--[[
  Which server process holds the ledger's slot (INFO's run_id), swapped for the last one seen, and the
  lookup-first window that is open now. A script runs on the node that owns its keys, so this asks the
  right node of a Cluster too. ensure() calls it before every create: a create that runs right after a
  restart, before any connection's 'ready' handler noted it, must still look first.

  Input:
    KEYS[1] last run id seen
    KEYS[2] lookup-first-until (ms)

    ARGV[1] until (ms): the end of the window opened when the run id changed
    ARGV[2] now (ms)

  Output:
    { 1 when the run id changed (Redis restarted or failed over) else 0,
      the open window's end (ms, as stored: the window's id) or false when none is open }
]]
local changed = 0
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if run then
  local prev = redis.call('GET', KEYS[1])
  redis.call('SET', KEYS[1], run)
  if prev and prev ~= run then
    redis.call('SET', KEYS[2], ARGV[1])
    changed = 1
  end
end
local untilMs = redis.call('GET', KEYS[2])
if untilMs and tonumber(untilMs) > tonumber(ARGV[2]) then
  return { changed, untilMs }
end
return { changed, false }
