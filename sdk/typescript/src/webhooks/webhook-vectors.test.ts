import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { WEBHOOK_VERIFICATION_ERROR_CODES, WebhookVerificationError } from './webhook-verification-error.js';
import type { WebhookVerificationErrorCode } from './webhook-verification-error.js';
import { WebhookVerifier } from './webhook-verifier.js';

// The vectors every Coffer SDK shares (sdk/test-vectors, written by generate.mjs).
interface WebhookVector {
  name: string;
  secret?: string;
  secrets?: string[];
  id: string | null;
  timestamp: string | null;
  body: string;
  signatureHeader: string | null;
  nowSeconds: number;
  expect: 'valid' | WebhookVerificationErrorCode;
}

const vectorFile = JSON.parse(
  readFileSync(new URL('../../../test-vectors/webhook-signatures.json', import.meta.url), 'utf8'),
) as { description: string; cases: WebhookVector[] };
const vectors = vectorFile.cases;

function secretsOf(vector: WebhookVector): string[] {
  const secrets = vector.secrets ?? (vector.secret === undefined ? [] : [vector.secret]);
  if (secrets.length === 0) throw new Error(`vector "${vector.name}" has no secret`);
  return secrets;
}

function headersOf(vector: WebhookVector): Record<string, string> {
  const headers: Record<string, string> = {};
  if (vector.id !== null) headers['webhook-id'] = vector.id;
  if (vector.timestamp !== null) headers['webhook-timestamp'] = vector.timestamp;
  if (vector.signatureHeader !== null) headers['webhook-signature'] = vector.signatureHeader;
  return headers;
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

describe('shared webhook test vectors', () => {
  it('are documented and cover the reference vector and every error code', () => {
    expect(vectorFile.description).toContain('webhook-signature');
    expect(vectors).toContainEqual(
      expect.objectContaining({
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: '1614265330',
        body: '{"test": 2432232314}',
        signatureHeader: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        expect: 'valid',
      }),
    );
    const expectations = new Set(vectors.map((vector) => vector.expect));
    expect([...expectations].sort()).toEqual(['valid', ...WEBHOOK_VERIFICATION_ERROR_CODES].sort());
  });

  const valid = vectors.filter((vector) => vector.expect === 'valid');
  const invalid = vectors.filter((vector) => vector.expect !== 'valid');

  it.each(valid.map((vector) => [vector.name, vector] as const))('accepts: %s', (_name, vector) => {
    const verifier = new WebhookVerifier(secretsOf(vector));
    const parsed: unknown = JSON.parse(vector.body);
    const options = { nowSeconds: vector.nowSeconds };
    expect(verifier.verify(vector.body, headersOf(vector), options)).toEqual(parsed);
    expect(verifier.verify(Buffer.from(vector.body, 'utf8'), headersOf(vector), options)).toEqual(parsed);
    expect(verifier.verify(new TextEncoder().encode(vector.body), new Headers(headersOf(vector)), options)).toEqual(parsed);
  });

  it.each(valid.map((vector) => [vector.name, vector] as const))(
    'rejects once the body is changed by one byte: %s',
    (_name, vector) => {
      const tampered = Buffer.from(vector.body, 'utf8');
      const last = tampered.length - 1;
      tampered.writeUInt8(tampered.readUInt8(last) ^ 0x01, last);
      const error = rejectionOf(() =>
        new WebhookVerifier(secretsOf(vector)).verify(tampered, headersOf(vector), { nowSeconds: vector.nowSeconds }),
      );
      expect(error.code).toBe('no_matching_signature');
    },
  );

  it.each(invalid.map((vector) => [vector.name, vector.expect, vector] as const))(
    'rejects: %s (%s)',
    (_name, code, vector) => {
      const error = rejectionOf(() =>
        new WebhookVerifier(secretsOf(vector)).verify(vector.body, headersOf(vector), { nowSeconds: vector.nowSeconds }),
      );
      expect(error.code).toBe(code);
      expect(error.message).not.toBe('');
    },
  );
});
