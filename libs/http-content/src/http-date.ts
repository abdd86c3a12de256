import { errors } from '@coffer/platform';

/**
 * HTTP-date (RFC 9110 §5.6.7): servers send IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`);
 * recipients must also accept the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and
 * asctime (`Sun Nov  6 08:49:37 1994`) forms. HTTP dates have whole-second precision, so
 * comparisons go through {@link toHttpSeconds}.
 */

const DAY_NAMES = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LONG_DAY_NAMES = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_NAMES = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// The grammar is case-sensitive (`%s"GMT"`), and so are these patterns.
const IMF_FIXDATE = new RegExp(`^(?:${DAY_NAMES}), (\\d{2}) (${MONTH_NAMES}) (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:${LONG_DAY_NAMES}), (\\d{2})-(${MONTH_NAMES})-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:${DAY_NAMES}) (${MONTH_NAMES}) ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * Parses an HTTP-date in any of its three forms; anything else (including a list of dates,
 * an impossible date such as 31 Feb, or `25:00:00`) gives undefined, which the conditional
 * request rules treat as "ignore the field". The day name is checked for shape, not for
 * agreeing with the date.
 *
 * @param value - the field value.
 * @param now - only used to place an RFC 850 two-digit year: the year that is not more than
 *   50 years in the future (RFC 9110 §5.6.7).
 */
export function parseHttpDate(value: string, now: Date = new Date()): Date | undefined {
  const text = value.trim();

  const imf = IMF_FIXDATE.exec(text);
  if (imf !== null) return buildDate(imf[3], imf[2], imf[1], imf[4], imf[5], imf[6]);

  const rfc850 = RFC850_DATE.exec(text);
  if (rfc850 !== null) {
    const twoDigitYear = Number(rfc850[3]);
    const nowYear = now.getUTCFullYear();
    let year = nowYear - (nowYear % 100) + twoDigitYear;
    if (year > nowYear + 50) year -= 100;
    else if (year <= nowYear - 50) year += 100;
    return buildDate(String(year), rfc850[2], rfc850[1], rfc850[4], rfc850[5], rfc850[6]);
  }

  const asctime = ASCTIME_DATE.exec(text);
  if (asctime !== null) return buildDate(asctime[6], asctime[1], asctime[2], asctime[3], asctime[4], asctime[5]);

  return undefined;
}

/** Formats `date` as an IMF-fixdate, the form to send in Last-Modified and Date. */
export function formatHttpDate(date: Date): string {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw errors.internal(new RangeError('An HTTP-date needs a valid date between years 0 and 9999.'));
  }
  // ECMAScript defines toUTCString as exactly this format for years 0–9999.
  return date.toUTCString();
}

/** Whole seconds since the epoch: the precision at which HTTP compares dates. */
export function toHttpSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function buildDate(
  yearText: string | undefined,
  monthName: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): Date | undefined {
  const year = Number(yearText);
  const month = MONTHS.findIndex((name) => name === monthName);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  // 60 is allowed for a leap second; Date carries it into the next minute.
  const second = Number(secondText);
  if (month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;

  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month, day);
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
