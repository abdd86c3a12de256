import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook } from './standard-webhook-signer.js';

interface Vector {
  readonly name: string;
  readonly secret?: string;
  readonly secrets?: readonly string[];
  readonly id: string | null;
  readonly timestamp: string | null;
  readonly body: string;
  readonly signatureHeader: string | null;
  readonly expect: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../../../sdk/test-vectors/webhook-signatures.json', import.meta.url), 'utf8')) as { cases: Vector[] }).cases;

describe('signWebhook (the sending side of Standard Webhooks)', () => {
  it("reproduces the specification's reference vector", () => {
    const headers = signWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(headers['webhook-timestamp']).toBe('1614265330');
  });

  it('reproduces every valid single-secret vector of the shared file', () => {
    const valid = vectors.filter((vector) => vector.expect === 'valid' && vector.secret?.startsWith('whsec_') === true && vector.id !== null && vector.timestamp !== null);
    expect(valid.length).toBeGreaterThan(2);
    for (const vector of valid) {
      const signature = signWebhook([vector.secret ?? ''], vector.id ?? '', Number(vector.timestamp), vector.body)['webhook-signature'];
      expect(vector.signatureHeader?.split(' ')).toContain(signature);
    }
  });

  it('signs what the official standardwebhooks package verifies, with the current and the previous secret during a rotation', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const body = JSON.stringify({ specversion: '1.0', type: 'file.uploaded', data: { name: 'ä ✓' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook([current, previous], 'msg_0123abcd', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(body.replace('✓', 'x'), { ...headers })).toThrow();
  });

  it('makes secrets of whsec_ + base64 of 32 random bytes, all different', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateWebhookSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
  });

  it('refuses secrets without the prefix or of the wrong length', () => {
    expect(() => signWebhook(['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'm', 1, '')).toThrow(/whsec_/);
    expect(() => signWebhook(['whsec_AAAA'], 'm', 1, '')).toThrow(/24 to 64/);
    expect(() => signWebhook([], 'm', 1, '')).toThrow();
  });
});
