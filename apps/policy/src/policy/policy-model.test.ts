import { describe, expect, it } from 'vitest';
import { actionMatches, fileIdOf, normalizeFolder, resourceMatches, validateActionPattern, validateResourcePattern } from './policy-model.js';

const FILE = 'file/3f1c2b1e-8a4b-4c1d-9e2f-0a1b2c3d4e5f';

describe('actionMatches', () => {
  it.each([
    ['*', 'file:read', true],
    ['file:*', 'file:delete', true],
    ['file:read', 'file:read', true],
    ['file:read', 'file:write', false],
    ['file:r*', 'file:read', true],
    ['file:r*', 'file:write', false],
    ['*:read', 'file:read', true],
    ['file:.*', 'file:read', false],
  ])('%s vs %s → %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe('resourceMatches', () => {
  it.each([
    ['*', FILE, '', true],
    ['file/*', FILE, '', true],
    [FILE, FILE, '', true],
    [FILE.toUpperCase().replace('FILE/', 'file/'), FILE, '', true],
    ['file/3f1c*', FILE, '', true],
    ['file/0000*', FILE, '', false],
    ['folder:/a/*', FILE, '/a', true],
    ['folder:/a/*', FILE, '/a/b/c', true],
    ['folder:/a/*', FILE, '/ab', false],
    ['folder:/a/*', FILE, '', false],
    ['folder:/a', FILE, '/a', true],
    ['folder:/a', FILE, '/a/b', false],
    ['folder:/', FILE, '/', true],
    ['folder:/', FILE, '/a', false],
    ['folder:/*', FILE, '/', true],
    ['folder:/*', FILE, '/x/y', true],
    ['folder:/*', FILE, '', false],
  ])('%s vs %s in %j → %s', (pattern, resource, folder, expected) => {
    expect(resourceMatches(pattern, resource, folder)).toBe(expected);
  });
});

describe('pattern validation', () => {
  it.each(['*', 'file:*', 'file:read', 'file:w*', '*:share'])('accepts action pattern %s', (pattern) => {
    expect(validateActionPattern(pattern, 'a')).toBe(pattern);
  });

  it.each(['', 'bucket:*', 'FILE:READ', 'file:read ', 'file:(read)', 'x'.repeat(65)])('refuses action pattern %j', (pattern) => {
    expect(() => validateActionPattern(pattern, 'a')).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
  });

  it.each(['*', 'file/*', FILE, 'file/3f1c*', 'folder:/', 'folder:/*', 'folder:/a', 'folder:/a/b/*', 'folder:/Reports 2026/*'])('accepts resource pattern %s', (pattern) => {
    expect(() => validateResourcePattern(pattern, 'r')).not.toThrow();
  });

  it.each(['', 'file/', 'file/a/b', 'file/../x', 'folder:', 'folder:a', 'folder:/a/', 'folder://', 'folder:/a//b', 'folder:/a/*/b', 'folder:/a*', 'bucket/*', '**x'])(
    'refuses resource pattern %j',
    (pattern) => {
      expect(() => validateResourcePattern(pattern, 'r')).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
    },
  );
});

describe('fileIdOf and normalizeFolder', () => {
  it('reads the file id of file/<uuid> only, lower-cased', () => {
    expect(fileIdOf(FILE.toUpperCase().replace('FILE/', 'file/'))).toBe(FILE.slice(5));
    expect(fileIdOf('file/abc')).toBeUndefined();
    expect(fileIdOf(`${FILE}/x`)).toBeUndefined();
  });

  it('drops a trailing slash and refuses what is not a folder path', () => {
    expect(normalizeFolder('/a/b/')).toBe('/a/b');
    expect(normalizeFolder('/')).toBe('/');
    expect(normalizeFolder('a/b')).toBe('');
    expect(normalizeFolder('/a//b')).toBe('');
    expect(normalizeFolder('/a/*')).toBe('');
  });
});
