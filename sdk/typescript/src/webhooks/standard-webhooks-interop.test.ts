import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';

import { signWebhook } from './sign-webhook.js';
import { WebhookVerificationError } from './webhook-verification-error.js';
import { WebhookVerifier } from './webhook-verifier.js';

// Interoperability with the reference implementation published by the Standard Webhooks
// authors, in both directions.

const SECRETS = [
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  `whsec_${Buffer.from('a 32-byte key, as Coffer issues!').toString('base64')}`,
  Buffer.from('sixteen byte key').toString('base64'),
];
const BODIES = ['{"test": 2432232314}', '{"type":"file.deleted","data":{"name":"Zoë ✓ 文件.txt"}}', '[]'];
const NOW = 1_761_000_000;

const combinations = SECRETS.flatMap((secret) => BODIES.map((body) => [secret, body] as const));

describe('interoperability with the standardwebhooks package', () => {
  it('signWebhook reproduces the specification example', () => {
    expect(
      signWebhook({
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        payload: '{"test": 2432232314}',
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it.each(combinations)('standardwebhooks verifies what signWebhook signs (%s, %s)', (secret, body) => {
    const id = 'msg_interop_1';
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ secret, id, timestamp, payload: Buffer.from(body) });
    expect(signature).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // And it rejects our signature over other content, so the agreement above is not vacuous.
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it.each(combinations)('WebhookVerifier verifies what standardwebhooks signs (%s, %s)', (secret, body) => {
    const id = 'msg_interop_2';
    const sentAt = new Date(NOW * 1000 + 456);
    const signature = new Webhook(secret).sign(id, sentAt, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(NOW), 'webhook-signature': signature };
    const verifier = new WebhookVerifier(secret);
    expect(verifier.verify(body, headers, { nowSeconds: NOW })).toEqual(JSON.parse(body));
    let rejection: unknown;
    try {
      verifier.verify(body, { ...headers, 'webhook-id': 'msg_interop_3' }, { nowSeconds: NOW });
    } catch (error) {
      rejection = error;
    }
    expect(rejection).toBeInstanceOf(WebhookVerificationError);
    expect((rejection as WebhookVerificationError).code).toBe('no_matching_signature');
  });

  it('signWebhook rounds a Date down to whole seconds, as standardwebhooks does', () => {
    const [secret] = SECRETS;
    if (secret === undefined) throw new Error('no secret');
    const sentAt = new Date(NOW * 1000 + 999);
    expect(signWebhook({ secret, id: 'msg_1', timestamp: sentAt, payload: '{}' })).toBe(
      new Webhook(secret).sign('msg_1', sentAt, '{}'),
    );
    expect(signWebhook({ secret, id: 'msg_1', timestamp: sentAt, payload: '{}' })).toBe(
      signWebhook({ secret, id: 'msg_1', timestamp: NOW, payload: '{}' }),
    );
    expect(() => signWebhook({ secret, id: 'msg_1', timestamp: 1.5, payload: '{}' })).toThrow(TypeError);
  });
});
