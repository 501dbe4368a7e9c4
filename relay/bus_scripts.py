"""The Lua scripts that keep a shared room's membership in Redis (see relay/bus.py for the keys).

Each script runs atomically inside Redis, so allocating a slot, recording who holds it, taking
the next event number and publishing the event happen as one step: the event's place on the
room's channel is its place in the room's history. Time comes from Redis' own clock (`TIME`),
so relays on machines whose clocks disagree still agree on who is silent.
"""

from __future__ import annotations

import hashlib

__all__ = ["SCRIPTS", "SHA"]

_LEAVE = """
local function leave(P, rid, node, slot)
  local m = P .. ':m:' .. rid
  if redis.call('HGET', m, slot) ~= node then return 0 end
  redis.call('HDEL', m, slot)
  redis.call('SREM', P .. ':o:' .. node, rid .. ':' .. slot)
  local r = P .. ':r:' .. rid
  local prev = redis.call('HGET', r, 'q') or '0'
  local seq = redis.call('INCR', P .. ':seq')
  redis.call('PUBLISH', P .. ':c:' .. rid, 'L' .. node .. prev .. ':' .. seq .. ':' .. slot)
  if redis.call('HLEN', m) == 0 then redis.call('DEL', r) else redis.call('HSET', r, 'q', seq) end
  return 1
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function retire(P, node)
  for _, entry in ipairs(redis.call('SMEMBERS', P .. ':o:' .. node)) do
    local sep = string.find(entry, ':', 1, true)
    leave(P, string.sub(entry, 1, sep - 1), node, string.sub(entry, sep + 1))
  end
  redis.call('DEL', P .. ':o:' .. node)
  redis.call('ZREM', P .. ':nodes', node)
end
"""

SCRIPTS = {
    "join": """
local P, rid, node = ARGV[1], ARGV[2], ARGV[3]
if not redis.call('ZSCORE', P .. ':nodes', node) then return {-1} end
local m = P .. ':m:' .. rid
if redis.call('HLEN', m) >= tonumber(ARGV[5]) then return {-2} end
local r = P .. ':r:' .. rid
local slot = redis.call('HINCRBY', r, 's', 1)
if slot > 4294967295 then return {-3} end
local prev = redis.call('HGET', r, 'q') or '0'
local seq = redis.call('INCR', P .. ':seq')
redis.call('HSET', r, 'q', seq)
redis.call('HSET', m, slot, node)
redis.call('SADD', P .. ':o:' .. node, rid .. ':' .. slot)
redis.call('PUBLISH', P .. ':c:' .. rid,
           'J' .. node .. prev .. ':' .. seq .. ':' .. slot .. ':' .. ARGV[4])
if ARGV[6] == '1' or prev == '0' then return {slot, seq, redis.call('HKEYS', m)} end
return {slot, seq}
""",
    "leave": _LEAVE + "return leave(ARGV[1], ARGV[2], ARGV[3], ARGV[4])",
    "heartbeat": _LEAVE + """
local key = ARGV[1] .. ':nodes'
if ARGV[3] ~= '1' and not redis.call('ZSCORE', key, ARGV[2]) then return 0 end
redis.call('ZADD', key, now_ms(), ARGV[2])
return 1
""",
    "sweep": _LEAVE + """
local dead = redis.call('ZRANGEBYSCORE', ARGV[1] .. ':nodes', '-inf', now_ms() - tonumber(ARGV[2]))
for _, node in ipairs(dead) do retire(ARGV[1], node) end
return #dead
""",
    "retire": _LEAVE + "retire(ARGV[1], ARGV[2]) return 1",
}
SHA = {name: hashlib.sha1(src.encode()).hexdigest() for name, src in SCRIPTS.items()}
