import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { contentDisposition, FALLBACK_FILENAME, MAX_FILENAME_BYTES } from './content-disposition.js';

/** The two filename parameters of a value built by contentDisposition, decoded. */
function parameters(value: string): { fallback: string | undefined; extended: string | undefined } {
  const fallback = /; filename="([^"]*)"/.exec(value)?.[1];
  const encoded = /; filename\*=UTF-8''([^;]*)$/.exec(value)?.[1];
  return { fallback, extended: encoded === undefined ? undefined : decodeURIComponent(encoded) };
}

const LONG_NAME = `${'a'.repeat(996)}.pdf`;
const HOSTILE_NAMES: [string, string][] = [
  ['path traversal', '../../etc/passwd'],
  ['Windows path', '..\\..\\Windows\\system.ini'],
  ['double quote', 'a"b.txt'],
  ['backslash and quote escape', 'a\\"; filename=evil.exe'],
  ['accents', 'résumé.pdf'],
  ['decomposed accents', 're\u0301sume\u0301.pdf'],
  ['CJK', '日本語.txt'],
  ['header injection', 'evil\r\nSet-Cookie: x'],
  ['right-to-left override', '\u202Etxt.exe'],
  ['isolates', '\u2066a\u2069\u2067b\u2069.txt'],
  ['emoji', '🦄 party 🎉.png'],
  ['ZWJ emoji', '👩‍👩‍👧‍👦.jpg'],
  ['NUL and DEL', 'a\u0000b\u007Fc.txt'],
  ['C1 control', 'a\u0085b.txt'],
  ['line separators', 'a\u2028b\u2029c.txt'],
  ['percent', '100%25 done.txt'],
  ['semicolon', 'a;b.txt'],
  ['apostrophe and parentheses', "it's (1).txt"],
  ['lone surrogate', 'a\uD800b.txt'],
  ['only controls', '\r\n\t'],
  ['empty', ''],
  ['dots', '..'],
  ['1,000 characters', LONG_NAME],
  ['1,000 emoji', '🦄'.repeat(1000)],
  ['1,000 characters without extension', 'x'.repeat(1000)],
];

describe('contentDisposition', () => {
  it.each(HOSTILE_NAMES)('%s gives a valid, printable-ASCII header value', (_name, filename) => {
    for (const type of ['attachment', 'inline'] as const) {
      const value = contentDisposition(type, filename);
      expect(() => validateHeaderValue('Content-Disposition', value)).not.toThrow();
      expect(value).toMatch(/^[\x20-\x7E]+$/);
      expect(value.startsWith(`${type}; filename="`)).toBe(true);

      const { fallback, extended } = parameters(value);
      expect(fallback).toMatch(/^[\x20-\x7E]+$/);
      expect(fallback).not.toMatch(/["\\/%;]/);
      for (const name of [fallback, extended]) {
        if (name === undefined) continue;
        // eslint-disable-next-line no-control-regex -- asserting control characters are gone
        expect(name).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069/\\]/);
        expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
        expect(name).not.toMatch(/^[\s.]*$/);
      }
    }
  });

  it.each<[string, string, string]>([
    ['plain ASCII', 'report.pdf', 'attachment; filename="report.pdf"'],
    ['spaces and parentheses', 'Q3 report (final).pdf', 'attachment; filename="Q3 report (final).pdf"'],
    ['path traversal', '../../etc/passwd', 'attachment; filename=".._.._etc_passwd"'],
    ['double quote', 'a"b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`],
    ['accents', 'résumé.pdf', `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`],
    ['decomposed accents are composed', 're\u0301sume\u0301.pdf', `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`],
    ['CJK', '日本語.txt', `attachment; filename="___.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`],
    ['header injection', 'evil\r\nSet-Cookie: x', 'attachment; filename="evilSet-Cookie: x"'],
    ['right-to-left override', '\u202Etxt.exe', 'attachment; filename="txt.exe"'],
    ['emoji', '🦄.png', `attachment; filename="_.png"; filename*=UTF-8''%F0%9F%A6%84.png`],
    ['percent', '100%.txt', `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`],
    ['semicolon', 'a;b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%3Bb.txt`],
    ['RFC 8187 specials', "it's (1)*.txt", `attachment; filename="it's (1)*.txt"`],
    ['apostrophe in an encoded name', "é's.txt", `attachment; filename="e's.txt"; filename*=UTF-8''%C3%A9%27s.txt`],
    ['lone surrogate', 'a\uD800.txt', `attachment; filename="a_.txt"; filename*=UTF-8''a%EF%BF%BD.txt`],
    ['surrounding whitespace', '  a.txt  ', 'attachment; filename="a.txt"'],
    ['empty', '', `attachment; filename="${FALLBACK_FILENAME}"`],
    ['only controls', '\u0000\u001B', `attachment; filename="${FALLBACK_FILENAME}"`],
    ['dots', '..', `attachment; filename="${FALLBACK_FILENAME}"`],
    ['only non-ASCII', '日本', `attachment; filename="${FALLBACK_FILENAME}"; filename*=UTF-8''%E6%97%A5%E6%9C%AC`],
  ])('%s', (_name, filename, expected) => {
    expect(contentDisposition('attachment', filename)).toBe(expected);
  });

  it('uses the requested disposition type', () => {
    expect(contentDisposition('inline', 'a.png')).toBe('inline; filename="a.png"');
  });

  it('cuts a long name at the byte limit and keeps its extension', () => {
    const { fallback, extended } = parameters(contentDisposition('attachment', LONG_NAME));
    expect(LONG_NAME).toHaveLength(1000);
    expect(extended).toBeUndefined();
    expect(fallback).toHaveLength(MAX_FILENAME_BYTES);
    expect(fallback?.endsWith('.pdf')).toBe(true);
    expect(LONG_NAME.startsWith(fallback?.slice(0, -4) ?? '')).toBe(true);
  });

  it('cuts between graphemes, never inside an emoji sequence', () => {
    const family = '👩‍👩‍👧‍👦';
    const { extended } = parameters(contentDisposition('attachment', `${family.repeat(100)}.jpg`));
    expect(extended).toBeDefined();
    const stem = (extended ?? '').slice(0, -4);
    expect(stem.length % family.length).toBe(0);
    expect(stem.replaceAll(family, '')).toBe('');
    expect(Buffer.byteLength(extended ?? '', 'utf8')).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
  });
});
