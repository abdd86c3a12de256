/** The one Redis command {@link redisKeysUnder} needs (an ioredis client has it). */
export interface RedisKeyScanner {
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', batch: number): Promise<[string, string[]]>;
}

/**
 * Every key that starts with `prefix`, sorted: how a Redis test checks what it left behind
 * (SCAN, never KEYS, so a shared Redis is not blocked).
 */
export async function redisKeysUnder(redis: RedisKeyScanner, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}
