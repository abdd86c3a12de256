import pg from 'pg';

/**
 * One mapping from PostgreSQL result types to JavaScript values, applied to both engines, so a
 * repository sees the same values on the server (pg) and embedded (PGlite). Without it they
 * differ: pg returns int8 as a string and PGlite as a number or bigint, pg returns `date` and
 * `timestamp` as Dates in the Node process's local time zone, PGlite bytea as a Uint8Array.
 *
 * | type                         | value                                                   |
 * |------------------------------|---------------------------------------------------------|
 * | int8 (bigint, count(*))      | string (exact; cast to int in SQL when a number is fine)|
 * | numeric                      | string (both engines already)                           |
 * | date                         | 'YYYY-MM-DD' string                                     |
 * | timestamptz                  | Date (both engines already)                             |
 * | timestamp without time zone  | Date, read as UTC                                       |
 * | interval                     | string in the server's IntervalStyle ('1 day 02:00:00')|
 * | bytea                        | Buffer                                                  |
 * | arrays of these              | arrays of the same                                      |
 *
 * Everything else keeps the drivers' (identical) defaults: int2/int4/float → number, bool,
 * uuid/text → string, json/jsonb → parsed value.
 */
export const PG_TYPE = Object.freeze({
  BYTEA: 17,
  INT8: 20,
  TEXT_ARRAY: 1009,
  INT8_ARRAY: 1016,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMP_ARRAY: 1115,
  DATE_ARRAY: 1182,
  INTERVAL: 1186,
  INTERVAL_ARRAY: 1187,
});

/** A text-format value parser, as both drivers call them. */
export type TextParser = (text: string) => unknown;

const asText: TextParser = (text) => text;

/**
 * Parses `timestamp without time zone` text as a UTC instant. `infinity`/`-infinity` become
 * ±Infinity, as pg's own parser does; `BC` years are supported.
 */
export function parseTimestampAsUtc(text: string): Date | number {
  if (text === 'infinity') return Number.POSITIVE_INFINITY;
  if (text === '-infinity') return Number.NEGATIVE_INFINITY;
  const match = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?( BC)?$/.exec(text);
  if (match === null) return new Date(Number.NaN);
  const [, year, month, day, hours, minutes, seconds, fraction = '', bc] = match;
  const date = new Date(0);
  const fullYear = bc === undefined ? Number(year) : 1 - Number(year);
  date.setUTCFullYear(fullYear, Number(month) - 1, Number(day));
  date.setUTCHours(Number(hours), Number(minutes), Number(seconds), Number(fraction.padEnd(3, '0').slice(0, 3)));
  return date;
}

/** Decodes bytea in the `hex` output format (the default of both engines) into a Buffer. */
export function parseByteaHex(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  // bytea_output = 'escape' is not used by Coffer; keep the bytes as the server sent them.
  return Buffer.from(text, 'latin1');
}

/** The scalar overrides both engines share. */
const SCALAR_PARSERS: Readonly<Record<number, TextParser>> = Object.freeze({
  [PG_TYPE.INT8]: asText,
  [PG_TYPE.DATE]: asText,
  [PG_TYPE.TIMESTAMP]: parseTimestampAsUtc,
  [PG_TYPE.INTERVAL]: asText,
});

/**
 * Parsers to hand to PGlite (`new PGlite({ parsers })`). PGlite parses arrays with the parser
 * of their element type, so the scalar overrides cover the arrays too.
 */
export function pgliteResultParsers(): Record<number, TextParser> {
  return { ...SCALAR_PARSERS, [PG_TYPE.BYTEA]: parseByteaHex };
}

/** pg's `getTypeParser`; `format` is `'text'` or `'binary'`. */
type PgGetTypeParser = (oid: number, format?: string) => TextParser;

const defaultPgTypeParser = pg.types.getTypeParser as PgGetTypeParser;

/**
 * The `types` option for a pg client (per client, so pg's process-wide defaults stay
 * untouched). pg keeps its own bytea parser (it already returns a Buffer); arrays of the
 * overridden types are parsed as text arrays and mapped element by element.
 */
export function pgClientTypes(): { getTypeParser: PgGetTypeParser } {
  const parseTextArray = (text: string): (string | null)[] =>
    defaultPgTypeParser(PG_TYPE.TEXT_ARRAY, 'text')(text) as (string | null)[];
  const arrayOverrides: Readonly<Record<number, TextParser>> = {
    [PG_TYPE.DATE_ARRAY]: parseTextArray,
    [PG_TYPE.INTERVAL_ARRAY]: parseTextArray,
    [PG_TYPE.TIMESTAMP_ARRAY]: (text) => parseTextArray(text).map((item) => (item === null ? null : parseTimestampAsUtc(item))),
  };
  return {
    getTypeParser: (oid, format = 'text') => {
      if (format === 'text') {
        const override = SCALAR_PARSERS[oid] ?? arrayOverrides[oid];
        if (override !== undefined) return override;
      }
      return defaultPgTypeParser(oid, format);
    },
  };
}
