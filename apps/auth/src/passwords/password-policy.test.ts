import { describe, expect, it } from 'vitest';
import { assertAcceptableNewPassword } from './password-policy.js';

describe('assertAcceptableNewPassword', () => {
  it('accepts a long, uncommon password', () => {
    expect(() => assertAcceptableNewPassword('tangerine-orbit-quarry-57')).not.toThrow();
  });

  it.each([
    ['too short', 'short-pw-1', /at least 12 characters/],
    ['too long', 'x'.repeat(200) + 'y'.repeat(57), /at most 256 characters/],
    ['common', 'password1234', /most common passwords/],
    ['common, any case', 'QWERTYUIOP123', /most common passwords/],
    ['too few different characters', 'aaaaaaaaaaaabbb', /too few different characters/],
  ])('refuses a password that is %s', (_name, password, message) => {
    expect(() => assertAcceptableNewPassword(password)).toThrow(message);
  });

  it('refuses the account email or name, naming the field', () => {
    expect(() => assertAcceptableNewPassword('ada.lovelace@example.com', { email: 'Ada.Lovelace@example.com' })).toThrow(/^password: must not be your email/);
    expect(() => assertAcceptableNewPassword('ada.lovelace.analytical', { displayName: 'Ada.Lovelace.Analytical' })).toThrow(/must not be your email address or name/);
  });

  it('counts code points, not UTF-16 units', () => {
    // 12 emoji are 24 UTF-16 units but 12 characters: accepted by length.
    expect(() => assertAcceptableNewPassword('🐢🦊🐙🦉🐝🦋🐞🦀🐬🦓🦒🦔')).not.toThrow();
    expect(() => assertAcceptableNewPassword('🐢🦊🐙🦉🐝🦋')).toThrow(/at least 12/);
  });
});
