import { describe, expect, it } from 'vitest';
import { validateListPrefix, validateObjectKey } from './object-key.js';


/** The `code` of what `action` throws, or undefined when it does not throw. */
function thrownCode(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return undefined;
}

describe('validateObjectKey', () => {
  it.each(['a', 'objects/01/abc.bin', 'A-Z_0.9', 'x'.repeat(200), `${'a'.repeat(200)}/${'b'.repeat(200)}/${'c'.repeat(110)}`])(
    'accepts %s',
    (key) => {
      expect(() => validateObjectKey(key)).not.toThrow();
    },
  );

  it.each([
    ['empty', ''],
    ['parent', '..'],
    ['parent inside', 'a/../b'],
    ['double dot in a name', 'file..txt'],
    ['leading slash', '/a'],
    ['trailing slash', 'a/'],
    ['empty segment', 'a//b'],
    ['dot segment', 'a/./b'],
    ['backslash', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['percent', '%2e%2e'],
    ['tilde', 'a~obj'],
    ['non-ASCII', 'caf\u00e9'],
    ['too long', 'k'.repeat(513)],
    ['segment too long', 'k'.repeat(201)],
  ])('refuses %s with invalid_argument', (_name, key) => {
    expect(thrownCode(() => validateObjectKey(key))).toBe('invalid_argument');
  });
});

describe('validateListPrefix', () => {
  it.each(['', 'a', 'a/', 'objects/0', 'objects/01/'])('accepts %j', (prefix) => {
    expect(() => validateListPrefix(prefix)).not.toThrow();
  });

  it.each(['/', '/a', '../', 'a//', 'a/./', 'a b'])('refuses %j', (prefix) => {
    expect(thrownCode(() => validateListPrefix(prefix))).toBe('invalid_argument');
  });
});
