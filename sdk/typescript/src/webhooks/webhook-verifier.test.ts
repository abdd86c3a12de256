import { describe, expect, it } from 'vitest';

import { signWebhook } from './sign-webhook.js';
import { WebhookVerificationError } from './webhook-verification-error.js';
import type { WebhookHeaders } from './webhook-verifier.js';
import { WebhookVerifier } from './webhook-verifier.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const NOW = 1_700_000_000;
const BODY = '{"type":"file.created","data":{"fileId":"f_1"}}';

function signedHeaders(overrides: { secret?: string; id?: string; timestamp?: number; body?: string } = {}) {
  const id = overrides.id ?? ID;
  const timestamp = overrides.timestamp ?? NOW;
  const signature = signWebhook({
    secret: overrides.secret ?? SECRET,
    id,
    timestamp,
    payload: overrides.body ?? BODY,
  });
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

function rejectionOf(verify: () => unknown): WebhookVerificationError {
  try {
    verify();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('expected the webhook to be rejected, but it verified');
}

const verifier = new WebhookVerifier(SECRET);
const at = { nowSeconds: NOW };

describe('WebhookVerifier: accepting', () => {
  it('returns the parsed JSON body of a correctly signed webhook', () => {
    expect(verifier.verify(BODY, signedHeaders(), at)).toEqual({ type: 'file.created', data: { fileId: 'f_1' } });
  });

  it('finds the headers whatever their case, in a plain object or a fetch Headers', () => {
    const headers = signedHeaders();
    const mixedCase = {
      'Webhook-Id': headers['webhook-id'],
      'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'],
      'Webhook-Signature': headers['webhook-signature'],
    };
    expect(verifier.verify(BODY, mixedCase, at)).toEqual(JSON.parse(BODY));
    expect(verifier.verify(BODY, new Headers(mixedCase), at)).toEqual(JSON.parse(BODY));
  });

  it('accepts node-style array values and a signature header sent on several lines', () => {
    const headers = signedHeaders();
    const other = signWebhook({ secret: OTHER_SECRET, id: ID, timestamp: NOW, payload: BODY });
    const nodeHeaders: WebhookHeaders = {
      'webhook-id': [headers['webhook-id']],
      'webhook-timestamp': headers['webhook-timestamp'],
      'webhook-signature': [other, headers['webhook-signature']],
      'content-type': undefined,
    };
    expect(verifier.verify(BODY, nodeHeaders, at)).toEqual(JSON.parse(BODY));
    // node and fetch join repeated header lines with ", ".
    const joined = { ...headers, 'webhook-signature': `${other}, ${headers['webhook-signature']}` };
    expect(verifier.verify(BODY, joined, at)).toEqual(JSON.parse(BODY));
  });

  it('verifies the exact bytes, including bytes that are not UTF-8 text, before parsing', () => {
    const body = Buffer.from([0x7b, 0x7d, 0xff]);
    const headers = { ...signedHeaders(), 'webhook-signature': signWebhook({ secret: SECRET, id: ID, timestamp: NOW, payload: body }) };
    expect(rejectionOf(() => verifier.verify(body, headers, at)).code).toBe('invalid_payload');
    expect(rejectionOf(() => verifier.verify(body.subarray(0, 2), headers, at)).code).toBe('no_matching_signature');
  });

  it('uses the clock when no nowSeconds is given, and nowSeconds over the clock', () => {
    const clocked = new WebhookVerifier(SECRET, { clock: () => NOW * 1000 + 999 });
    expect(clocked.verify(BODY, signedHeaders(), {})).toEqual(JSON.parse(BODY));
    expect(rejectionOf(() => clocked.verify(BODY, signedHeaders(), { nowSeconds: NOW + 301 })).code).toBe(
      'timestamp_too_old',
    );
    expect(rejectionOf(() => verifier.verify(BODY, signedHeaders())).code).toBe('timestamp_too_old');
  });

  it('honours a custom tolerance, set on the verifier or per call', () => {
    const strict = new WebhookVerifier(SECRET, { toleranceSeconds: 10 });
    expect(strict.verify(BODY, signedHeaders({ timestamp: NOW - 10 }), at)).toEqual(JSON.parse(BODY));
    expect(rejectionOf(() => strict.verify(BODY, signedHeaders({ timestamp: NOW - 11 }), at)).code).toBe(
      'timestamp_too_old',
    );
    expect(rejectionOf(() => strict.verify(BODY, signedHeaders({ timestamp: NOW + 11 }), at)).code).toBe(
      'timestamp_too_new',
    );
    expect(strict.verify(BODY, signedHeaders({ timestamp: NOW - 3600 }), { ...at, toleranceSeconds: 3600 })).toEqual(
      JSON.parse(BODY),
    );
  });

  it('accepts a signature from any of several secrets', () => {
    const rotating = new WebhookVerifier([SECRET, OTHER_SECRET]);
    expect(rotating.verify(BODY, signedHeaders({ secret: OTHER_SECRET }), at)).toEqual(JSON.parse(BODY));
    expect(rotating.verify(BODY, signedHeaders({ secret: SECRET }), at)).toEqual(JSON.parse(BODY));
  });
});

describe('WebhookVerifier: rejecting, each for its own reason', () => {
  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const)(
    'missing_headers when %s is absent or blank',
    (name) => {
      const absent: Record<string, string> = { ...signedHeaders() };
      delete absent[name];
      expect(rejectionOf(() => verifier.verify(BODY, absent, at)).code).toBe('missing_headers');
      expect(rejectionOf(() => verifier.verify(BODY, { ...signedHeaders(), [name]: ' ' }, at)).code).toBe(
        'missing_headers',
      );
      expect(rejectionOf(() => verifier.verify(BODY, { ...signedHeaders(), [name]: [] }, at)).code).toBe(
        'missing_headers',
      );
    },
  );

  it('missing_headers when webhook-id is given twice with different values', () => {
    const headers = { ...signedHeaders(), 'webhook-id': [ID, 'msg_other'] };
    expect(rejectionOf(() => verifier.verify(BODY, headers, at)).code).toBe('missing_headers');
  });

  it.each(['', 'abc', '-1', '+1700000000', '1700000000.0', '1.7e9', '0x65', '01700000000', '1700000000 1', '99999999999999999999'])(
    'invalid_timestamp for %j',
    (timestamp) => {
      const headers = { ...signedHeaders(), 'webhook-timestamp': timestamp || ' x' };
      expect(rejectionOf(() => verifier.verify(BODY, headers, at)).code).toBe('invalid_timestamp');
    },
  );

  it('timestamp_too_old just past the tolerance, timestamp_too_new just ahead of it', () => {
    expect(verifier.verify(BODY, signedHeaders({ timestamp: NOW - 300 }), at)).toEqual(JSON.parse(BODY));
    expect(verifier.verify(BODY, signedHeaders({ timestamp: NOW + 300 }), at)).toEqual(JSON.parse(BODY));
    expect(rejectionOf(() => verifier.verify(BODY, signedHeaders({ timestamp: NOW - 301 }), at)).code).toBe(
      'timestamp_too_old',
    );
    expect(rejectionOf(() => verifier.verify(BODY, signedHeaders({ timestamp: NOW + 301 }), at)).code).toBe(
      'timestamp_too_new',
    );
  });

  it('no_matching_signature when the id, timestamp or body differ from what was signed', () => {
    const headers = signedHeaders();
    expect(rejectionOf(() => verifier.verify(BODY, { ...headers, 'webhook-id': 'msg_other' }, at)).code).toBe(
      'no_matching_signature',
    );
    expect(rejectionOf(() => verifier.verify(BODY, { ...headers, 'webhook-timestamp': String(NOW + 1) }, at)).code).toBe(
      'no_matching_signature',
    );
    const reserialized = JSON.stringify(JSON.parse(BODY), null, 1);
    expect(rejectionOf(() => verifier.verify(reserialized, headers, at)).code).toBe('no_matching_signature');
  });

  it('no_matching_signature for a wrong secret, a bare v1, other versions and altered signatures', () => {
    const good = signedHeaders()['webhook-signature'];
    const encoded = good.slice('v1,'.length);
    const altered = `${encoded.slice(0, 10)}${encoded[10] === 'A' ? 'B' : 'A'}${encoded.slice(11)}`;
    for (const signature of ['v1,', `v2,${encoded}`, `v1a,${encoded}`, `V1,${encoded}`, encoded, `v1,${altered}`, `v1,${encoded}=`, `v1,${encoded.slice(0, -1)}`]) {
      const headers = { ...signedHeaders(), 'webhook-signature': signature };
      expect(rejectionOf(() => verifier.verify(BODY, headers, at)).code, signature).toBe('no_matching_signature');
    }
    expect(rejectionOf(() => new WebhookVerifier(OTHER_SECRET).verify(BODY, signedHeaders(), at)).code).toBe(
      'no_matching_signature',
    );
  });

  it('invalid_payload only after the signature checks out', () => {
    for (const body of ['', 'not json', '{"a":', '\ufeff{}']) {
      expect(rejectionOf(() => verifier.verify(body, signedHeaders({ body }), at)).code, body).toBe('invalid_payload');
    }
    expect(rejectionOf(() => verifier.verify('not json', signedHeaders(), at)).code).toBe('no_matching_signature');
  });

  it('never puts the secret or the signature in the error message', () => {
    const headers = { ...signedHeaders(), 'webhook-id': 'msg_other' };
    const error = rejectionOf(() => verifier.verify(BODY, headers, at));
    expect(error.message).not.toContain(SECRET.slice('whsec_'.length));
    expect(error.message).not.toContain(headers['webhook-signature'].slice(3));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebhookVerificationError');
  });
});

describe('WebhookVerifier: construction', () => {
  it('refuses no secrets, malformed secrets and a bad tolerance', () => {
    expect(() => new WebhookVerifier([])).toThrow(/at least one secret/);
    expect(() => new WebhookVerifier('whsec_')).toThrow(/empty/);
    expect(() => new WebhookVerifier([SECRET, 'whsec_not base64!'])).toThrow(/not valid base64/);
    expect(() => new WebhookVerifier(SECRET, { toleranceSeconds: -1 })).toThrow(RangeError);
    expect(() => new WebhookVerifier(SECRET, { toleranceSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => verifier.verify(BODY, signedHeaders(), { ...at, toleranceSeconds: Number.POSITIVE_INFINITY })).toThrow(
      RangeError,
    );
  });
});
