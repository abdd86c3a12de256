const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a retry schedule: comma-separated delays before each attempt, the first attempt
 * first — `0,5s,5m,30m,2h,5h,10h,14h,20h,24h` is Standard Webhooks' suggestion and our
 * default. A delay is a whole number with a unit (ms, s, m, h, d), or 0. Throws an Error with
 * a plain message for anything else.
 */
export function parseRetrySchedule(text: string): number[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 0 || entries.length > 50 || entries.some((entry) => entry === '')) {
    throw new Error('must list 1 to 50 comma-separated delays, such as 0,5s,5m,30m.');
  }
  return entries.map((entry) => {
    if (entry === '0') return 0;
    const match = /^([0-9]{1,6})(ms|s|m|h|d)$/.exec(entry);
    if (!match?.[1] || !match[2]) throw new Error(`${JSON.stringify(entry)} is not a delay such as 0, 500ms, 5s, 5m, 2h or 1d.`);
    return Number(match[1]) * (UNIT_MS[match[2]] ?? 0);
  });
}

/**
 * When the attempt after `attemptsMade` failed attempts is due, or undefined when the schedule
 * is used up (the delivery is dead-lettered). Jitter spreads retries of many deliveries that
 * failed together (an endpoint that was down) over ±20 % of the delay; `retryAfterMs` (the
 * receiver's Retry-After) is honoured as a lower bound, capped at the schedule's longest delay.
 */
export function nextAttemptDelayMs(
  scheduleMs: readonly number[],
  attemptsMade: number,
  options: { readonly retryAfterMs?: number; readonly random?: () => number } = {},
): number | undefined {
  const base = scheduleMs[attemptsMade];
  if (base === undefined) return undefined;
  const random = options.random ?? Math.random;
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  const ceiling = Math.max(...scheduleMs);
  const retryAfter = Math.min(options.retryAfterMs ?? 0, ceiling);
  return Math.max(jittered, retryAfter);
}
