import { describe, expect, it } from 'vitest';
import { AppError } from '@coffer/platform';
import { FILE_NAME_MAX_BYTES, FOLDER_PATH_MAX_BYTES, FOLDER_PATH_MAX_DEPTH, validateFileName, validateFolderPath } from './file-names.js';

/** Runs `fn` and returns the AppError it throws, failing the test if it throws anything else. */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

const E_ACUTE_NFD = 'e\u0301';
const E_ACUTE_NFC = '\u00e9';

describe('validateFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['a..b.txt', 'a..b.txt'],
    ['.bashrc', '.bashrc'],
    ['...', '...'],
    ['name.', 'name.'],
    ['my holiday photo 01.jpg', 'my holiday photo 01.jpg'],
    ['Zoë Ng — Résumé.docx', 'Zoë Ng — Résumé.docx'],
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    ['تقرير.pdf', 'تقرير.pdf'],
    ['🎉 party 👨‍👩‍👧.png', '🎉 party 👨‍👩‍👧.png'],
    [`caf${E_ACUTE_NFD}.txt`, `caf${E_ACUTE_NFC}.txt`],
    ['con.txt', 'con.txt'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(validateFileName(raw)).toBe(expected);
  });

  it('gives the same name for NFD and NFC input', () => {
    const nfd = `Cre${E_ACUTE_NFD}me bru${'\u0302'}le${'\u0301'}e.txt`;
    const nfc = nfd.normalize('NFC');
    expect(nfd).not.toBe(nfc);
    expect(validateFileName(nfd)).toBe(validateFileName(nfc));
    expect(validateFileName(nfd)).toBe(nfc);
  });

  it.each([
    ['', /empty or only whitespace/],
    [' ', /empty or only whitespace/],
    ['\t\u00a0\u3000', /empty or only whitespace/],
    ['..', /"\." or "\.\."/],
    ['.', /"\." or "\.\."/],
    ['../x', /"\/" or "\\"/],
    ['a/b', /"\/" or "\\"/],
    ['a\\b', /"\/" or "\\"/],
    ['/', /"\/" or "\\"/],
    ['con\u0000.txt', /NUL/],
    ['\u0000', /NUL/],
    ['a\nb.txt', /control characters/],
    ['a\rb.txt', /control characters/],
    ['a\u001bb.txt', /control characters/],
    ['a\u007fb.txt', /control characters/],
    ['a\u0085b.txt', /control characters/],
    ['a\u009fb.txt', /control characters/],
    ['a\u2028b.txt', /line separators/],
    ['a\u2029b.txt', /line separators/],
    ['\u202Etxt.exe', /bidirectional/],
    ['a\u202Ab', /bidirectional/],
    ['a\u2066b\u2069', /bidirectional/],
    ['a\u2068b', /bidirectional/],
    ['a\ud800b', /unpaired surrogates/],
    ['a\udc00', /unpaired surrogates/],
    [' leading.txt', /start or end with whitespace/],
    ['trailing.txt ', /start or end with whitespace/],
    ['trailing.txt\u00a0', /start or end with whitespace/],
    ['\ufeffbom.txt', /start or end with whitespace/],
    ['x'.repeat(256), /at most 255 bytes/],
  ])('refuses %j with a detail naming the rule', (raw, rule) => {
    const error = thrown(() => validateFileName(raw));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toMatch(/^File name /);
    expect(error.detail).toMatch(rule);
  });

  describe('the 255-byte limit counts UTF-8 bytes after NFC', () => {
    it.each([
      ['255 ASCII bytes', 'a'.repeat(255), true],
      ['256 ASCII bytes', 'a'.repeat(256), false],
      ['127 two-byte chars + 1 byte = 255 bytes', 'é'.repeat(127) + 'a', true],
      ['128 two-byte chars = 256 bytes', 'é'.repeat(128), false],
      ['85 three-byte chars = 255 bytes', '日'.repeat(85), true],
      ['85 three-byte chars + 1 byte = 256 bytes', '日'.repeat(85) + 'a', false],
      ['63 four-byte emoji + 3 bytes = 255 bytes', '😀'.repeat(63) + 'abc', true],
      ['64 four-byte emoji = 256 bytes', '😀'.repeat(64), false],
      // 85 NFD `é` are 255 UTF-16 units but 255 bytes only after composing (3 bytes each NFD).
      ['85 NFD é (255 bytes NFD, 170 NFC)', E_ACUTE_NFD.repeat(85), true],
      ['128 NFD é (384 bytes NFD, 256 NFC)', E_ACUTE_NFD.repeat(128), false],
    ])('%s', (_label, raw, ok) => {
      if (ok) expect(Buffer.byteLength(validateFileName(raw))).toBeLessThanOrEqual(FILE_NAME_MAX_BYTES);
      else expect(thrown(() => validateFileName(raw)).detail).toMatch(/at most 255 bytes/);
    });
  });

  it('never echoes the refused input in the detail', () => {
    const error = thrown(() => validateFileName('evil\u202Egpj.exe'));
    expect(error.detail).not.toContain('evil');
  });
});

describe('validateFolderPath', () => {
  it.each([
    [undefined, '/'],
    ['', '/'],
    ['/', '/'],
    ['/a', '/a'],
    ['/a/b/c', '/a/b/c'],
    ['/Photos 2024/Été', '/Photos 2024/Été'],
    [`/caf${E_ACUTE_NFD}/r${E_ACUTE_NFD}sum${E_ACUTE_NFD}`, `/caf${E_ACUTE_NFC}/r${E_ACUTE_NFC}sum${E_ACUTE_NFC}`],
    ['/a..b/.hidden/...', '/a..b/.hidden/...'],
    ['/🎉/日本', '/🎉/日本'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(validateFolderPath(raw)).toBe(expected);
  });

  it('gives the same path for NFD and NFC input', () => {
    const nfd = `/Cafe${'\u0301'}/Re${'\u0301'}sume${'\u0301'}`;
    expect(validateFolderPath(nfd)).toBe(validateFolderPath(nfd.normalize('NFC')));
  });

  it.each([
    ['a/b', /^Folder path must start with "\/"/],
    ['a', /^Folder path must start with "\/"/],
    ['../x', /^Folder path must start with "\/"/],
    ['..', /^Folder path must start with "\/"/],
    ['\\a', /^Folder path must start with "\/"/],
    [' /a', /^Folder path must start with "\/"/],
    ['/a/', /^Folder path must not end with "\/"/],
    ['//', /^Folder path must not end with "\/"/],
    ['/a//b', /^Folder path must not contain empty segments/],
    ['//a', /^Folder path must not contain empty segments/],
    ['/./a', /^Folder path segment 1 must not be "\." or "\.\."/],
    ['/a/../b', /^Folder path segment 2 must not be "\." or "\.\."/],
    ['/a/..', /^Folder path segment 2 must not be "\." or "\.\."/],
    ['/a\\b', /^Folder path segment 1 must not contain "\/" or "\\"/],
    ['/a/b\\..\\..\\etc', /^Folder path segment 2 must not contain "\/" or "\\"/],
    ['/a/con\u0000', /^Folder path segment 2 must not contain NUL/],
    ['/a/\u202Etxt.exe', /^Folder path segment 2 .*bidirectional/],
    ['/a/b\nc', /^Folder path segment 2 .*control characters/],
    ['/ a', /^Folder path segment 1 must not start or end with whitespace/],
    ['/a /b', /^Folder path segment 1 must not start or end with whitespace/],
    ['/a/ ', /^Folder path segment 2 must not be empty or only whitespace/],
    [`/${'x'.repeat(256)}`, /^Folder path segment 1 must be at most 255 bytes/],
  ])('refuses %j', (raw, rule) => {
    const error = thrown(() => validateFolderPath(raw));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toMatch(rule);
  });

  it(`allows ${FOLDER_PATH_MAX_DEPTH} segments and refuses one more`, () => {
    const deepest = '/a'.repeat(FOLDER_PATH_MAX_DEPTH);
    expect(validateFolderPath(deepest)).toBe(deepest);
    expect(thrown(() => validateFolderPath(`${deepest}/a`)).detail).toMatch(/at most 32 segments/);
  });

  it(`allows ${FOLDER_PATH_MAX_BYTES} UTF-8 bytes and refuses one more`, () => {
    // Four segments of "/" + 255 bytes = 1024 bytes; the last one uses two-byte characters.
    const segment = 'x'.repeat(255);
    const multibyte = 'é'.repeat(127) + 'x';
    const longest = `/${segment}/${segment}/${segment}/${multibyte}`;
    expect(Buffer.byteLength(longest)).toBe(FOLDER_PATH_MAX_BYTES);
    expect(validateFolderPath(longest)).toBe(longest);
    expect(thrown(() => validateFolderPath(`${longest}y`)).detail).toMatch(/at most 1024 bytes/);
  });

  it('counts bytes after NFC, so a decomposed path that composes to within the limit passes', () => {
    const nfdSegment = E_ACUTE_NFD.repeat(127); // 381 bytes NFD, 254 bytes NFC
    const path = `/${nfdSegment}/${nfdSegment}/${nfdSegment}/${nfdSegment}`;
    expect(Buffer.byteLength(path)).toBeGreaterThan(FOLDER_PATH_MAX_BYTES);
    expect(Buffer.byteLength(validateFolderPath(path))).toBe(4 * 255);
  });
});
