const deltaSecondsPattern = /^\d+$/;
// The three HTTP-date forms of RFC 9110 §5.6.7. Checked before Date.parse because V8 parses
// almost anything ("5", "-5", "tomorrow-ish") as some date.
const imfFixdatePattern = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const rfc850DatePattern = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const asctimeDatePattern = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Parses a `Retry-After` header value into whole seconds to wait from `now`: delta-seconds
 * (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, also the obsolete RFC 850 and
 * asctime forms, which are GMT by definition). A date in the past gives 0, never a negative
 * number; a partial second rounds up. Anything else (negative, fractional, garbage) gives
 * `undefined`, as if the header were absent. No upper bound is applied: capping is the retry
 * policy's decision.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (deltaSecondsPattern.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds : Number.MAX_SAFE_INTEGER;
  }
  let date: number;
  if (imfFixdatePattern.test(text) || rfc850DatePattern.test(text)) date = Date.parse(text);
  else if (asctimeDatePattern.test(text)) date = Date.parse(`${text} GMT`);
  else return undefined;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
