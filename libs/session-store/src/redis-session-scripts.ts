import { RedisScript } from '@coffer/redis';

/*
 * Lua scripts of the Redis session store. Each runs atomically on the server, so create, touch
 * and revoke never interleave with each other or with expiry. Time is the server's (`TIME`),
 * so every Coffer instance agrees on it; Redis >= 5 replicates scripts by effects, which makes
 * TIME in a writing script safe.
 *
 * Layout (docs/adr/0010-sessions-and-rate-limits.md):
 *   <prefix>s:<sessionId>  hash: userId, createdAt, ip, userAgent, [familyId], lastSeenAt,
 *                          idleTtlMs, absoluteExpiresAt (ms). PEXPIRE = min(idle, absolute left).
 *   <prefix>u:<userId>     sorted set of session ids scored by store creation time (ms); its
 *                          TTL is at least the longest absolute deadline of its members.
 * Index entries whose hash has expired are removed lazily (create, list, revoke-all).
 *
 * The session keys of a user are derived inside the scripts (from the index or the hash), so
 * these scripts need every key on one node: standalone or Sentinel, or Cluster with per-user
 * hash tags (see the ADR).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Integers as exact decimal strings; plain number arguments are formatted with %.14g. */
const INT = `local function int(x) return string.format('%d', x) end`;

/**
 * KEYS: session, user index. ARGV: session key prefix, id, userId, createdAt, ip, userAgent,
 * familyId, hasFamily ('1'/'0'), idleTtlMs, absoluteTtlMs, maxPerUser.
 * Returns {0} when a live session has the id, else {1, now, {evicted ids...}}.
 */
export const createSessionScript = new RedisScript(`
${INT}
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
${NOW}
local sessionPrefix = ARGV[1]
local idle = tonumber(ARGV[9])
local absoluteTtl = tonumber(ARGV[10])
local maxPerUser = tonumber(ARGV[11])
local live = {}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', sessionPrefix .. sid) == 1 then
    table.insert(live, sid)
  else
    redis.call('ZREM', KEYS[2], sid)
  end
end
local evicted = {}
for i = 1, #live - maxPerUser + 1 do
  redis.call('DEL', sessionPrefix .. live[i])
  redis.call('ZREM', KEYS[2], live[i])
  table.insert(evicted, live[i])
end
redis.call('HSET', KEYS[1], 'userId', ARGV[3], 'createdAt', ARGV[4], 'ip', ARGV[5], 'userAgent', ARGV[6],
  'lastSeenAt', int(now), 'idleTtlMs', int(idle), 'absoluteExpiresAt', int(now + absoluteTtl))
if ARGV[8] == '1' then redis.call('HSET', KEYS[1], 'familyId', ARGV[7]) end
redis.call('PEXPIRE', KEYS[1], int(math.min(idle, absoluteTtl)))
redis.call('ZADD', KEYS[2], int(now), ARGV[2])
if redis.call('PTTL', KEYS[2]) < absoluteTtl then redis.call('PEXPIRE', KEYS[2], int(absoluteTtl)) end
return {1, int(now), evicted}
`);

/**
 * KEYS: session. Moves last seen to now and the TTL to min(idle, absolute left).
 * Returns the hash as a flat field/value list, or nil when the session is not live.
 */
export const touchSessionScript = new RedisScript(`
${INT}
local fields = redis.call('HMGET', KEYS[1], 'idleTtlMs', 'absoluteExpiresAt')
if not fields[1] then return nil end
${NOW}
local left = tonumber(fields[2]) - now
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return nil
end
redis.call('HSET', KEYS[1], 'lastSeenAt', int(now))
redis.call('PEXPIRE', KEYS[1], int(math.min(tonumber(fields[1]), left)))
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: session. ARGV: user index prefix, session id. Returns 1 when it was live, else 0. */
export const revokeSessionScript = new RedisScript(`
local userId = redis.call('HGET', KEYS[1], 'userId')
if not userId then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', ARGV[1] .. userId, ARGV[2])
return 1
`);

/**
 * KEYS: user index. ARGV: session key prefix, except id, hasExcept ('1'/'0').
 * Returns how many live sessions were deleted.
 */
export const revokeAllSessionsScript = new RedisScript(`
local sessionPrefix = ARGV[1]
local revoked = 0
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if not (ARGV[3] == '1' and sid == ARGV[2]) then
    revoked = revoked + redis.call('DEL', sessionPrefix .. sid)
    redis.call('ZREM', KEYS[1], sid)
  end
end
return revoked
`);

/**
 * KEYS: user index. ARGV: session key prefix. Returns {{id, {field, value, ...}}, ...} for the
 * live sessions in index order, removing entries whose session has expired.
 */
export const listSessionsScript = new RedisScript(`
local sessionPrefix = ARGV[1]
local result = {}
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', sessionPrefix .. sid)
  if #fields == 0 then
    redis.call('ZREM', KEYS[1], sid)
  else
    table.insert(result, {sid, fields})
  end
end
return result
`);
