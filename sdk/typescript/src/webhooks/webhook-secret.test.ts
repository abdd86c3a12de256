import { describe, expect, it } from 'vitest';

import { parseWebhookSecret } from './webhook-secret.js';

const SPEC_KEY_HEX = '31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0';

describe('parseWebhookSecret', () => {
  it('decodes whsec_ + base64 and the bare base64 to the same key', () => {
    expect(parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').toString('hex')).toBe(SPEC_KEY_HEX);
    expect(parseWebhookSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').toString('hex')).toBe(SPEC_KEY_HEX);
  });

  it('accepts padded and unpadded base64', () => {
    const key = Buffer.from('a 32-byte key, as Coffer issues!');
    const padded = key.toString('base64');
    expect(padded.endsWith('=')).toBe(true);
    expect(parseWebhookSecret(`whsec_${padded}`)).toEqual(key);
    expect(parseWebhookSecret(`whsec_${padded.replace(/=+$/, '')}`)).toEqual(key);
  });

  it.each([
    ['empty', ''],
    ['only the prefix', 'whsec_'],
    ['characters outside base64', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!'],
    ['url-safe alphabet', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_'],
    ['inner whitespace', 'whsec_MfKQ9r8G KYqrTwjUPD8ILPZIo2LaLaSw'],
    ['a length no base64 has', 'whsec_MfKQ9'],
    ['padding on the wrong length', 'whsec_MfKQ9r8=='],
    ['padding in the middle', 'whsec_MfKQ=9r8'],
    ['only padding', 'whsec_=='],
  ])('rejects %s with a TypeError that does not echo the secret', (_reason, secret) => {
    let thrown: unknown;
    try {
      parseWebhookSecret(secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    const message = (thrown as TypeError).message;
    expect(message).toMatch(/whsec_/);
    if (secret.length > 'whsec_'.length) expect(message).not.toContain(secret.slice('whsec_'.length));
  });
});
