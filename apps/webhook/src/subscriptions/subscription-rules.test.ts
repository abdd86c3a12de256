import { describe, expect, it } from 'vitest';
import { matchesEventTypes, validateDescription, validateEndpointUrl, validateEventTypes } from './subscription-rules.js';

describe('event type filters', () => {
  it('accepts catalog types, domain wildcards and *, without duplicates', () => {
    expect(validateEventTypes(['file.uploaded', 'share.*', '*', 'file.uploaded'])).toEqual(['file.uploaded', 'share.*', '*']);
  });

  it.each([[[]], [['file.nonsense']], [['nope.*']], [['file.']], [['webhook.ping']], [Array.from({ length: 65 }, () => 'file.uploaded')]])('refuses %j', (patterns) => {
    expect(() => validateEventTypes(patterns)).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
  });

  it('matches exact types, wildcards of the domain only, and *', () => {
    expect(matchesEventTypes(['file.uploaded'], 'file.uploaded')).toBe(true);
    expect(matchesEventTypes(['file.uploaded'], 'file.deleted')).toBe(false);
    expect(matchesEventTypes(['file.*'], 'file.deleted')).toBe(true);
    expect(matchesEventTypes(['file.*'], 'filesystem.x')).toBe(false);
    expect(matchesEventTypes(['share.*'], 'file.deleted')).toBe(false);
    expect(matchesEventTypes(['*'], 'auth.login_failed')).toBe(true);
  });
});

describe('endpoint URLs', () => {
  it('accepts https, and http only when allowed', () => {
    expect(validateEndpointUrl('https://hooks.example.com/coffer?x=1', { allowHttp: false }).hostname).toBe('hooks.example.com');
    expect(() => validateEndpointUrl('http://hooks.example.com/', { allowHttp: false })).toThrow(/must be https/);
    expect(validateEndpointUrl('http://127.0.0.1:8080/', { allowHttp: true }).port).toBe('8080');
  });

  it.each(['', 'not a url', 'ftp://x/', 'https://user:pw@example.com/', 'https://example.com/#frag', 'file:///etc/passwd', `https://example.com/${'a'.repeat(2050)}`])('refuses %j', (url) => {
    expect(() => validateEndpointUrl(url, { allowHttp: true })).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
  });

  it('never repeats a password in its error', () => {
    try {
      validateEndpointUrl('https://user:hunter2@example.com/', { allowHttp: false });
    } catch (error) {
      expect(String((error as { detail?: string }).detail)).not.toContain('hunter2');
    }
  });
});

describe('descriptions', () => {
  it('accepts text and refuses control characters and long text', () => {
    expect(validateDescription('CI bot ✓')).toBe('CI bot ✓');
    expect(() => validateDescription('a\nb')).toThrow();
    expect(() => validateDescription('x'.repeat(257))).toThrow();
  });
});
