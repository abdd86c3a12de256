import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatContentDigest, parseContentDigest } from './content-digest-header.js';

// RFC 9530 §2 and appendix B: the digests of `{"hello": "world"}`.
const helloSha256 = 'X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=';
const helloSha512 = 'WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==';

/** Matches an `AppError` with this code and, when given, a detail matching `detail`. */
function appError(code: string, detail: string | RegExp = /./): Error {
  return expect.objectContaining({
    code,
    detail: (typeof detail === 'string' ? expect.stringContaining(detail) : expect.stringMatching(detail)) as unknown,
  }) as Error;
}

describe('parseContentDigest', () => {
  it('agrees with the RFC 9530 example digests', () => {
    expect(createHash('sha256').update('{"hello": "world"}').digest('base64')).toBe(helloSha256);
    expect(createHash('sha512').update('{"hello": "world"}').digest('base64')).toBe(helloSha512);
  });

  it('parses the RFC 9530 examples', () => {
    expect(parseContentDigest(`sha-256=:${helloSha256}:`).sha256?.toString('base64')).toBe(helloSha256);
    const both = parseContentDigest(`sha-256=:${helloSha256}:,sha-512=:${helloSha512}:`);
    expect(both.sha256?.toString('base64')).toBe(helloSha256);
    expect(both.sha512?.toString('base64')).toBe(helloSha512);
    expect(parseContentDigest(`sha-512=:${helloSha512}:`)).toEqual({ sha512: Buffer.from(helloSha512, 'base64') });
  });

  it.each([
    ['upper-case keys', `SHA-256=:${helloSha256}:`],
    ['spaces', `  sha-256 = :${helloSha256}:  ,  `],
    ['unknown algorithms', `md5=:AAAA:, sha-256=:${helloSha256}:, unixsum=:2A==:, foo="a, sha-256=x", bar=(1 2), baz=?1`],
    ['parameters', `sha-256=:${helloSha256}:;q=1`],
    ['missing padding', `sha-256=:${helloSha256.replace(/=+$/, '')}:`],
    ['the same value twice', `sha-256=:${helloSha256}:, sha-256=:${helloSha256}:`],
    ['empty members', `,,sha-256=:${helloSha256}:,`],
  ])('tolerates %s', (_name, header) => {
    expect(parseContentDigest(header).sha256?.toString('base64')).toBe(helloSha256);
  });

  it.each([
    ['a 31-byte value', `sha-256=:${Buffer.alloc(31).toString('base64')}:`],
    ['a 33-byte value', `sha-256=:${Buffer.alloc(33).toString('base64')}:`],
    ['a sha-512 value in sha-256', `sha-256=:${helloSha512}:`],
    ['invalid base64', `sha-256=:${helloSha256.replace('X', '!')}:`],
    ['URL-safe base64', `sha-256=:${Buffer.alloc(32, 0xfb).toString('base64url')}:`],
    ['non-zero spare bits', `sha-256=:${helloSha256.replace('E=', 'F=')}:`],
    ['no colons', `sha-256=${helloSha256}`],
    ['a token value', 'sha-256=abc'],
    ['a quoted value', `sha-256="${helloSha256}"`],
    ['no value', 'sha-256'],
    ['trailing junk', `sha-256=:${helloSha256}:x`],
    ['a bad sha-512', `sha-256=:${helloSha256}:, sha-512=:AAAA:`],
  ])('refuses %s with invalid_argument', (_name, header) => {
    expect(() => parseContentDigest(header)).toThrow(appError('invalid_argument', /must be :base64: of exactly (32|64) bytes/));
  });

  it('refuses one algorithm given twice with different values', () => {
    const other = Buffer.alloc(32, 1).toString('base64');
    expect(() => parseContentDigest(`sha-256=:${helloSha256}:, sha-256=:${other}:`)).toThrow(appError('invalid_argument', 'twice'));
  });

  it.each(['', '   ', 'md5=:AAAA:', 'unixsum=:2A==:, adler=:AAAA:', 'sha-2567=:AAAA:', ','])(
    'refuses %j as having no supported algorithm',
    (header) => {
      expect(() => parseContentDigest(header)).toThrow(appError('invalid_argument', 'sha-256 (and sha-512) are supported'));
    },
  );

  it('refuses an overlong header before parsing it', () => {
    expect(() => parseContentDigest(`sha-256=:${helloSha256}:, x=${'a'.repeat(5000)}`)).toThrow(appError('invalid_argument', 'longer than'));
  });
});

describe('formatContentDigest', () => {
  it('writes sha-256 as a byte sequence and parses back', () => {
    const hex = createHash('sha256').update('{"hello": "world"}').digest('hex');
    const header = formatContentDigest(hex);
    expect(header).toBe(`sha-256=:${helloSha256}:`);
    expect(parseContentDigest(header).sha256?.toString('hex')).toBe(hex);
    expect(formatContentDigest(hex.toUpperCase())).toBe(header);
  });

  it.each(['', 'abc', 'z'.repeat(64), 'a'.repeat(63), 'a'.repeat(65)])('refuses %j', (hex) => {
    expect(() => formatContentDigest(hex)).toThrow(appError('invalid_argument', '64 hexadecimal'));
  });
});
