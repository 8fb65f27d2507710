"""The Lua scripts behind ``worker.breaker``: every state transition in one call.

They live apart from the breaker's Python so that each can be read as a whole. Each
script runs atomically in Redis and reads the clock with ``TIME``, so every decision
(count, trip, admit a probe, close) sees one consistent state and does not depend on
the workers' clocks. Keys and arguments are documented above each constant.
"""

from __future__ import annotations

__all__ = ["ADMIT", "FAILURE", "PRELUDE", "RELEASE_PROBE", "SLOTS", "SUCCESS", "SYNC"]

SLOTS = 60  # the window is a ring of this many buckets in one hash

# Every script starts with the Redis clock, an int() that keeps 13-digit millisecond
# values exact (Lua prints numbers with 14 significant digits), and add(calls, fails)
# into the window's ring of buckets (fields t<slot> = bucket number, c<slot>, f<slot>).
# ARGV[1..2] of every script that counts: bucket_ms, calls.
PRELUDE = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function int(n) return string.format('%.0f', n) end
local slots = """ + str(SLOTS) + """
local function add(key, bucket_ms, calls, fails)
  local bucket = math.floor(now_ms / bucket_ms)
  local slot = bucket % slots
  if tonumber(redis.call('HGET', key, 't' .. slot) or '-1') ~= bucket then
    redis.call('HSET', key, 't' .. slot, bucket, 'c' .. slot, calls, 'f' .. slot, fails)
  else
    if calls > 0 then redis.call('HINCRBY', key, 'c' .. slot, calls) end
    if fails > 0 then redis.call('HINCRBY', key, 'f' .. slot, fails) end
  end
  redis.call('PEXPIRE', key, bucket_ms * slots * 2)
  return bucket
end
local function view(key)
  local s = redis.call('HMGET', key, 'state', 'failures')
  return {s[1] or 'closed', tonumber(s[2] or '0')}
end
"""
"""Shared head of every script. Not a script on its own: it is pasted into each one so that
the clock read and the bucket update happen inside the same atomic call as the decision."""

# KEYS: state hash, window.  ARGV: bucket_ms, successes counted in memory.
# Returns {state, failures}: the refresh of a process's cached view.
SYNC = PRELUDE + """
local calls = tonumber(ARGV[2])
if calls > 0 then add(KEYS[2], tonumber(ARGV[1]), calls, 0) end
return view(KEYS[1])
"""
"""Refresh a process's view. Atomic so that the successes it adds land in the bucket of the
same Redis instant as the state it reads back."""

# KEYS: state hash, probe lock.  ARGV: token, probe_ttl_ms.
# Returns {'allow', failures} | {'probe'} | {'reject', next_probe_ms, trip, last_reason, now_ms}.
ADMIT = PRELUDE + """
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then
  return {'allow', tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')}
end
local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
if now_ms >= next_probe and redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'probe'}
end
local trip = redis.call('HGET', KEYS[1], 'trip') or ''
local reason = redis.call('HGET', KEYS[1], 'last_reason') or ''
return {'reject', next_probe, trip, reason, now_ms}
"""
"""Decide allow / probe / reject. Atomic so that exactly one caller across all processes
becomes the probe once the cool-down is over (the ``SET NX PX`` lock, whose TTL frees it
if the probing worker dies)."""

# KEYS: state hash, probe lock, window.  ARGV: bucket_ms, successes counted in memory,
# reason, threshold, min_calls, ratio, cooldown_ms, max_cooldown_ms.
# Returns {'closed' | 'open' | 'opened' | 'reopened', cooldown_ms, failures}.
FAILURE = PRELUDE + """
local bucket = add(KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]) + 1, 1)
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSET', KEYS[1], 'last_reason', ARGV[3], 'last_failure_ms', int(now_ms))
if redis.call('HGET', KEYS[1], 'state') == 'open' then
  local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
  if now_ms < next_probe then return {'open', 0, failures} end
  -- A failure once probing is due is the probe's answer: still down, back off.
  local cooldown = tonumber(redis.call('HGET', KEYS[1], 'cooldown_ms') or ARGV[7])
  cooldown = math.min(cooldown * 2, tonumber(ARGV[8]))
  redis.call('HSET', KEYS[1], 'cooldown_ms', int(cooldown), 'next_probe_ms', int(now_ms + cooldown))
  redis.call('DEL', KEYS[2])
  return {'reopened', cooldown, failures}
end
local trip = false
if failures >= tonumber(ARGV[4]) then
  trip = failures .. ' consecutive failures'
elseif tonumber(ARGV[6]) > 0 then
  local ring = redis.call('HGETALL', KEYS[3])
  local fields = {}
  for i = 1, #ring, 2 do fields[ring[i]] = tonumber(ring[i + 1]) end
  local calls, fails = 0, 0
  for slot = 0, slots - 1 do
    if (fields['t' .. slot] or -1) > bucket - slots then
      calls = calls + (fields['c' .. slot] or 0)
      fails = fails + (fields['f' .. slot] or 0)
    end
  end
  if calls >= tonumber(ARGV[5]) and fails >= tonumber(ARGV[6]) * calls then
    trip = fails .. ' of ' .. calls .. ' calls failed in ' ..
      math.floor(tonumber(ARGV[1]) * slots / 1000) .. ' s'
  end
end
if not trip then return {'closed', 0, failures} end
local cooldown = tonumber(ARGV[7])
redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at_ms', int(now_ms), 'trip', trip,
  'cooldown_ms', int(cooldown), 'next_probe_ms', int(now_ms + cooldown))
redis.call('DEL', KEYS[2])
return {'opened', cooldown, failures}
"""
"""Count a failure and maybe open (or re-open with a doubled cool-down, capped). Atomic so
that concurrent failures cannot both trip the breaker or both double the cool-down, and the
consecutive count, window and state always change together."""

# KEYS: state hash, probe lock, window.  ARGV: bucket_ms, successes (this one included).
# Returns {1 if this closed an open breaker else 0, state, failures}. While open, only
# an answer once probing is due closes it: an answer to a call that started before the
# breaker opened says little about the upstream now.
SUCCESS = PRELUDE + """
add(KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]), 0)
if redis.call('HGET', KEYS[1], 'state') == 'open' then
  local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
  if now_ms < next_probe then return {0, 'open', 0} end
  redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0)
  redis.call('HDEL', KEYS[1], 'opened_at_ms', 'next_probe_ms', 'cooldown_ms', 'trip')
  redis.call('DEL', KEYS[2], KEYS[3])
  return {1, 'closed', 0}
end
if tonumber(redis.call('HGET', KEYS[1], 'failures') or '0') > 0 then
  redis.call('HSET', KEYS[1], 'failures', 0)
end
return {0, 'closed', 0}
"""
"""Count an answer and maybe close. Atomic so that only an answer after the probe is due
closes an open breaker, and closing clears the failure count, probe lock and window
together."""

# KEYS: probe lock.  ARGV: token.  Gives up the probe without an answer (e.g. cancelled).
RELEASE_PROBE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""Drop the probe lock only if this caller still holds it (compare-and-delete), so a probe
whose lock already expired cannot free another caller's lock."""
