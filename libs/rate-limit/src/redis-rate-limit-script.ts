import { RedisScript } from '@coffer/redis';

/** Lua: `now` in whole milliseconds from ARGV[arg], or the Redis server's TIME when it is ''. */
function luaNow(arg: number): string {
  return `local now
if ARGV[${arg}] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[${arg}])
end`;
}

/** Lua: `sw`, `sc`, `sp` (window, current, previous) of the key's stored state; nil when there is none or it is unreadable. */
const LUA_STORED_STATE = `local sw, sc, sp
local stored = redis.call('GET', KEYS[1])
if stored then
  sw, sc, sp = string.match(stored, '^(%S+) (%S+) (%S+)$')
  sw = tonumber(sw)
  sc = tonumber(sc)
  sp = tonumber(sp)
end`;

/** Lua: `reset`, how long from `now` until the state (window, current, previous) stops mattering: the key's expiry. */
const LUA_RESET = `local reset = 0
if current > 0 then
  reset = 2 * windowMs - elapsed
elseif previous > 0 then
  reset = windowMs - elapsed
end`;

/**
 * The sliding-window counter of sliding-window.ts in Lua, run atomically by Redis: concurrent
 * consumers (any number of gateway instances) are serialised on the key, so together they
 * never pass more than the limit. Every arithmetic step mirrors `slidingWindowConsume` in the
 * same order, so the memory and Redis limiters decide identically.
 *
 * KEYS: the limiter key. ARGV: limit, windowMs, cost, now ('' = the server's TIME, the
 * default, so all instances share one clock). The key holds "window current previous"
 * (%.17g, exact for whole numbers below 2^53) and expires when its state stops mattering.
 * Returns {allowed 0/1, remaining, retryAfterMs, resetMs}.
 */
export const consumeScript = new RedisScript(`
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
${luaNow(4)}
local elapsed = now % windowMs
local window = (now - elapsed) / windowMs
local previous = 0
local current = 0
${LUA_STORED_STATE}
if sw and sc and sp then
  if sw >= window then
    window = sw
    previous = sp
    current = sc
  elseif sw == window - 1 then
    previous = sc
  end
end
local weight = (windowMs - elapsed) / windowMs
local estimate = previous * weight + current
local tolerance = limit * 1e-12
local allowed = estimate + cost <= limit + tolerance
local retryAfter = 0
local used = estimate
if allowed then
  current = current + cost
  used = estimate + cost
else
  local room = limit - cost - current
  if room >= 0 then
    retryAfter = math.ceil(windowMs - elapsed - (room * windowMs) / previous)
  else
    retryAfter = windowMs - elapsed + math.max(0, math.ceil(windowMs - ((limit - cost) * windowMs) / current))
  end
end
local remaining = math.max(0, math.floor(limit - used + tolerance))
${LUA_RESET}
if allowed and cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.17g %.17g %.17g', window, current, previous), 'PX', string.format('%d', reset))
end
return {allowed and 1 or 0, remaining, retryAfter, reset}
`);

/**
 * `slidingWindowRefund` of sliding-window.ts in Lua, operation for operation: gives back `cost`
 * units of the key's current window (or of the window before, which now counts as the
 * previous one), never below zero. A missing or unreadable key is left as it is, so a refund
 * never creates a key; the key is deleted when nothing is left, otherwise it gets the expiry
 * the consume script would give the new state.
 *
 * KEYS: the limiter key. ARGV: windowMs, cost, now ('' = the server's TIME).
 * Returns the new expiry in milliseconds (0: the key is gone or was never there).
 */
export const refundScript = new RedisScript(`
local windowMs = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
${LUA_STORED_STATE}
if not (sw and sc and sp) then
  return 0
end
${luaNow(3)}
local elapsed = now % windowMs
local window = (now - elapsed) / windowMs
local previous = 0
local current = 0
if sw >= window then
  window = sw
  previous = sp
  current = math.max(0, sc - cost)
elseif sw == window - 1 then
  previous = math.max(0, sc - cost)
end
${LUA_RESET}
if reset > 0 then
  redis.call('SET', KEYS[1], string.format('%.17g %.17g %.17g', window, current, previous), 'PX', string.format('%d', reset))
else
  redis.call('DEL', KEYS[1])
end
return reset
`);
