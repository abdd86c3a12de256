import { afterEach, describe, expect, it } from 'vitest';
import { PG_TYPE, parseByteaHex, parseTimestampAsUtc, pgClientTypes, pgliteResultParsers } from './result-types.js';

const originalTz = process.env['TZ'];

afterEach(() => {
  if (originalTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = originalTz;
});

describe('parseTimestampAsUtc', () => {
  it('reads timestamp without time zone as UTC, whatever the process time zone', () => {
    process.env['TZ'] = 'America/New_York';
    expect(parseTimestampAsUtc('2024-01-02 03:04:05.678')).toEqual(new Date('2024-01-02T03:04:05.678Z'));
    expect(parseTimestampAsUtc('2024-07-01 00:00:00')).toEqual(new Date('2024-07-01T00:00:00.000Z'));
  });

  it('keeps milliseconds of a microsecond value and handles years below 100 and BC', () => {
    expect(parseTimestampAsUtc('2024-01-02 03:04:05.123456')).toEqual(new Date('2024-01-02T03:04:05.123Z'));
    expect(parseTimestampAsUtc('0042-03-04 05:06:07')?.toString()).toBe(new Date('0042-03-04T05:06:07Z').toString());
    const bc = parseTimestampAsUtc('0044-03-15 12:00:00 BC');
    expect(bc instanceof Date && bc.getUTCFullYear()).toBe(-43);
  });

  it('maps infinity as pg does and anything unexpected to an invalid Date', () => {
    expect(parseTimestampAsUtc('infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(parseTimestampAsUtc('-infinity')).toBe(Number.NEGATIVE_INFINITY);
    const odd = parseTimestampAsUtc('yesterday');
    expect(odd instanceof Date && Number.isNaN(odd.getTime())).toBe(true);
  });
});

describe('parseByteaHex', () => {
  it('returns a Buffer', () => {
    const value = parseByteaHex('\\x00ff10');
    expect(Buffer.isBuffer(value)).toBe(true);
    expect([...value]).toEqual([0, 255, 16]);
  });
});

describe('pgClientTypes', () => {
  const parse = (oid: number, text: string): unknown => pgClientTypes().getTypeParser(oid, 'text')(text);

  it('returns int8 as a string, date and interval as text, timestamp as a UTC Date', () => {
    process.env['TZ'] = 'Asia/Tokyo';
    expect(parse(PG_TYPE.INT8, '9007199254740993')).toBe('9007199254740993');
    expect(parse(PG_TYPE.DATE, '2024-02-03')).toBe('2024-02-03');
    expect(parse(PG_TYPE.INTERVAL, '1 day 02:00:00')).toBe('1 day 02:00:00');
    expect(parse(PG_TYPE.TIMESTAMP, '2024-01-02 03:04:05')).toEqual(new Date('2024-01-02T03:04:05Z'));
  });

  it('maps arrays of the overridden types element by element', () => {
    expect(parse(PG_TYPE.INT8_ARRAY, '{1,NULL,3}')).toEqual(['1', null, '3']);
    expect(parse(PG_TYPE.DATE_ARRAY, '{2024-01-01,NULL}')).toEqual(['2024-01-01', null]);
    expect(parse(PG_TYPE.INTERVAL_ARRAY, '{"1 day","02:00:00"}')).toEqual(['1 day', '02:00:00']);
    expect(parse(PG_TYPE.TIMESTAMP_ARRAY, '{"2024-01-02 03:04:05",NULL}')).toEqual([new Date('2024-01-02T03:04:05Z'), null]);
  });

  it("keeps pg's defaults elsewhere (int4 number, bytea Buffer, json parsed)", () => {
    expect(parse(23, '42')).toBe(42);
    expect(parse(PG_TYPE.BYTEA, '\\x0102')).toEqual(Buffer.from([1, 2]));
    expect(parse(3802, '{"a":[1]}')).toEqual({ a: [1] });
    expect(parse(1184, '2024-01-02 03:04:05+00')).toEqual(new Date('2024-01-02T03:04:05Z'));
  });
});

describe('pgliteResultParsers', () => {
  it('covers the same scalar types as the pg side, plus bytea as Buffer', () => {
    const parsers = pgliteResultParsers();
    expect(Object.keys(parsers).map(Number).sort((a, b) => a - b)).toEqual([
      PG_TYPE.BYTEA,
      PG_TYPE.INT8,
      PG_TYPE.DATE,
      PG_TYPE.TIMESTAMP,
      PG_TYPE.INTERVAL,
    ]);
    expect(parsers[PG_TYPE.INT8]?.('12')).toBe('12');
    expect(parsers[PG_TYPE.BYTEA]?.('\\x0a')).toEqual(Buffer.from([10]));
  });
});
