import { AppError } from '@coffer/platform';
import { GuardedRedisClient, RedisScript } from '@coffer/redis';
import type { Redis } from 'ioredis';
import { decodeRecord, encodeRecord, type IdempotencyRecord, type IdempotencyStore, type Reservation, type StoredAnswer } from './idempotency-store.js';
import { closedStoreError, positiveMs } from './memory-idempotency-store.js';

/** Used when `keyPrefix` is not configured. */
export const DEFAULT_IDEMPOTENCY_KEY_PREFIX = 'coffer:idempotency:';

const UNAVAILABLE_DETAIL = 'The idempotency store is unavailable.';

/** SET NX PX takes a free key; a taken key answers what holds it (one atomic step). */
const reserveScript = new RedisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
`);

/** True when KEYS[1] holds a running record reserved for ARGV[1] (the reservation's token). */
const RESERVED_FOR_TOKEN = `
local current = redis.call('GET', KEYS[1])
if not current then return nil end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' or record.state ~= 'running' or record.token ~= ARGV[1] then return nil end
return record
`;

/** Replaces our reservation with the answer (ARGV[2], JSON), kept for ARGV[3] ms; 1 when done. */
const completeScript = new RedisScript(`
local function reserved() ${RESERVED_FOR_TOKEN} end
local record = reserved()
if not record then return 0 end
local completed = '{"state":"completed","fingerprint":' .. cjson.encode(record.fingerprint) .. ',"answer":' .. ARGV[2] .. '}'
redis.call('SET', KEYS[1], completed, 'PX', ARGV[3])
return 1
`);

/** Deletes the key while it is still our reservation. */
const releaseScript = new RedisScript(`
local function reserved() ${RESERVED_FOR_TOKEN} end
if reserved() then redis.call('DEL', KEYS[1]) return 1 end
return 0
`);

/**
 * The production {@link IdempotencyStore}: one Redis string per key holding the record as JSON,
 * with Redis's own expiry (PX) as lease and time to live, so every gateway instance sees the
 * same reservations and answers and nothing outlives its TTL. Reserving is one `SET NX PX`;
 * completing and releasing are Lua scripts that check the reservation's token first.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly client: Redis;
  private readonly redis: GuardedRedisClient;
  private readonly keyPrefix: string;

  /** The store owns `client` (build it with `createRedisClient`) and quits it on close. */
  constructor(options: { client: Redis; keyPrefix?: string }) {
    this.client = options.client;
    this.redis = new GuardedRedisClient(options.client, UNAVAILABLE_DETAIL, closedStoreError);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_IDEMPOTENCY_KEY_PREFIX;
  }

  reserve(key: string, reservation: { fingerprint: string; token: string }, leaseMs: number): Promise<Reservation> {
    return this.redis.run(async () => {
      const running = encodeRecord({ state: 'running', fingerprint: reservation.fingerprint, token: reservation.token });
      const reply = await reserveScript.run(this.client, [this.keyPrefix + key], [running, positiveMs(leaseMs)]);
      if (reply === null) return { reserved: true };
      const record = decodeRecord(typeof reply === 'string' ? reply : undefined);
      if (!record) throw malformed();
      return { reserved: false, record };
    });
  }

  complete(key: string, token: string, answer: StoredAnswer, ttlMs: number): Promise<boolean> {
    return this.redis.run(async () => {
      const reply = await completeScript.run(this.client, [this.keyPrefix + key], [token, JSON.stringify(answer), positiveMs(ttlMs)]);
      return reply === 1;
    });
  }

  release(key: string, token: string): Promise<void> {
    return this.redis.run(async () => {
      await releaseScript.run(this.client, [this.keyPrefix + key], [token]);
    });
  }

  get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.redis.run(async () => decodeRecord(await this.client.get(this.keyPrefix + key)));
  }

  checkReady(): Promise<void> {
    return this.redis.checkReady();
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}

function malformed(): AppError {
  return new AppError('internal', { detail: 'An internal error occurred.', cause: new Error('malformed idempotency record in Redis') });
}
