import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { HmacKeyRing } from './hmac-key-ring.js';
import { LINK_TOKEN_REFUSED_DETAIL, LinkTokenSigner, linkTokenRejectionReason, type LinkTokenRejectionReason, type LinkTokenRequest } from './link-token.js';

const k1 = { id: 'k1', secret: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', secret: Buffer.alloc(32, 2) };
const k3 = { id: 'k3', secret: Buffer.alloc(32, 3) };

const now = new Date('2030-01-01T00:00:00Z');
const request: LinkTokenRequest = {
  linkId: randomUUID(),
  fileId: randomUUID(),
  version: 3,
  expiresAt: new Date('2030-01-02T00:00:00Z'),
  method: 'GET',
};

const signer = new LinkTokenSigner(new HmacKeyRing({ activeKeyId: 'k2', keys: [k1, k2] }));
const token = signer.sign(request);

function refusal(action: () => unknown): { reason: LinkTokenRejectionReason | undefined; error: AppError } {
  try {
    action();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { reason: linkTokenRejectionReason(error), error };
  }
  throw new Error('expected a throw');
}

function expectRefused(presented: string, reason: LinkTokenRejectionReason, options = { method: 'GET', now }): void {
  const { error, reason: actual } = refusal(() => signer.verify(presented, options));
  expect(error.code).toBe('permission_denied');
  expect(error.detail).toBe(LINK_TOKEN_REFUSED_DETAIL);
  expect(error.message).toBe(LINK_TOKEN_REFUSED_DETAIL);
  expect(actual).toBe(reason);
}

/** The token with field `index` (0 = format … 6 = mac) replaced. */
function withField(index: number, value: string): string {
  const parts = token.split('.');
  parts[index] = value;
  return parts.join('.');
}

describe('LinkTokenSigner', () => {
  it('round-trips the claims', () => {
    expect(signer.verify(token, { method: 'GET', now })).toEqual({
      linkId: request.linkId,
      fileId: request.fileId,
      version: 3,
      expiresAt: request.expiresAt,
      keyId: 'k2',
    });
  });

  it('makes short, URL-safe tokens for UUID ids', () => {
    expect(token.length).toBeLessThan(200);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.startsWith(`v1.${request.linkId}.${request.fileId}.3.`)).toBe(true);
  });

  it('keeps version 0 (current) and rounds the expiry down to the second', () => {
    const claims = signer.verify(signer.sign({ ...request, version: 0, expiresAt: new Date('2030-01-02T00:00:00.900Z') }), {
      method: 'GET',
      now,
    });
    expect(claims.version).toBe(0);
    expect(claims.expiresAt.toISOString()).toBe('2030-01-02T00:00:00.000Z');
  });

  it('MACs an unambiguous, newline-joined encoding with the derived link-token key', () => {
    const parts = token.split('.');
    const key = Buffer.from(hkdfSync('sha256', k2.secret, Buffer.alloc(0), 'coffer/integrity/link-token/v1', 32));
    const expected = createHmac('sha256', key)
      .update(['coffer-link-token/v1', 'GET', ...parts.slice(1, 6)].join('\n'))
      .digest('base64url');
    expect(parts[6]).toBe(expected);
  });

  describe('expiry', () => {
    it('accepts a token until its last second', () => {
      expect(() => signer.verify(token, { method: 'GET', now: new Date(request.expiresAt.getTime() - 1) })).not.toThrow();
    });

    it.each([0, 1000])('refuses a token %i ms past its expiry', (late) => {
      expectRefused(token, 'expired', { method: 'GET', now: new Date(request.expiresAt.getTime() + late) });
    });

    it('checks against the current time by default', () => {
      const past = signer.sign({ ...request, expiresAt: new Date(Date.now() - 1000) });
      expect(refusal(() => signer.verify(past, { method: 'GET' })).reason).toBe('expired');
      const future = signer.sign({ ...request, expiresAt: new Date(Date.now() + 60_000) });
      expect(() => signer.verify(future, { method: 'GET' })).not.toThrow();
    });
  });

  describe('tampering', () => {
    const other = randomUUID();
    it.each([
      ['linkId', 1, other],
      ['fileId', 2, other],
      ['version', 3, '4'],
      ['version to current', 3, '0'],
      ['expiry', 4, String(Math.floor(request.expiresAt.getTime() / 1000) + 3600)],
      ['key id to another known key', 5, 'k1'],
    ])('refuses a changed %s', (_name, index, value) => {
      expectRefused(withField(index, value), 'bad_signature');
    });

    it('refuses a changed MAC', () => {
      const mac = token.split('.')[6] ?? '';
      const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
      expectRefused(withField(6, flipped), 'bad_signature');
    });

    it('refuses a MAC with non-zero spare bits (one token, one spelling)', () => {
      const mac = token.split('.')[6] ?? '';
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(mac.slice(-1));
      expectRefused(withField(6, `${mac.slice(0, -1)}${alphabet[last ^ 1] ?? ''}`), 'malformed');
    });

    it('refuses a token presented for another method', () => {
      for (const method of ['HEAD', 'PUT', 'DELETE', 'get', '', 'GET\n']) {
        expectRefused(token, 'bad_signature', { method, now });
      }
    });
  });

  describe('malformed tokens', () => {
    it.each([
      ['empty', ''],
      ['garbage', 'not a token'],
      ['truncated', token.slice(0, -5)],
      ['truncated to a field boundary', token.split('.').slice(0, 6).join('.')],
      ['an extra field', `${token}.x`],
      ['another format', withField(0, 'v2')],
      ['an empty linkId', withField(1, '')],
      ['a linkId with a newline', withField(1, 'a\nb')],
      ['a negative version', withField(3, '-1')],
      ['a version with a leading zero', withField(3, '03')],
      ['a fractional version', withField(3, '3.0')],
      ['a huge version', withField(3, '99999999999999999')],
      ['a non-numeric expiry', withField(4, 'tomorrow')],
      ['an expiry with a leading zero', withField(4, `0${token.split('.')[4] ?? ''}`)],
      ['a bad key id', withField(5, 'k 2')],
      ['a MAC of the wrong length', withField(6, 'AAAA')],
      ['a MAC that is not base64url', withField(6, '+'.repeat(43))],
      ['an overlong token', `${token}${'A'.repeat(600)}`],
    ])('refuses %s', (_name, presented) => {
      expectRefused(presented, 'malformed');
    });
  });

  describe('key rotation', () => {
    const oldSigner = new LinkTokenSigner(new HmacKeyRing({ activeKeyId: 'k1', keys: [k1] }));
    const oldToken = oldSigner.sign(request);

    it('accepts a token signed by an older key still in the ring', () => {
      expect(signer.verify(oldToken, { method: 'GET', now }).keyId).toBe('k1');
    });

    it('refuses a token signed by a key rotated out of the ring', () => {
      const rotated = new LinkTokenSigner(new HmacKeyRing({ activeKeyId: 'k3', keys: [k2, k3] }));
      expect(refusal(() => rotated.verify(oldToken, { method: 'GET', now })).reason).toBe('unknown_key');
      expect(rotated.verify(token, { method: 'GET', now }).keyId).toBe('k2');
    });

    it('refuses a token whose key id names a known key with another secret', () => {
      const impostor = new LinkTokenSigner(new HmacKeyRing({ activeKeyId: 'k2', keys: [{ id: 'k2', secret: Buffer.alloc(32, 9) }] }));
      expectRefused(impostor.sign(request), 'bad_signature');
    });
  });

  describe('signing', () => {
    it.each([
      ['a linkId with a dot', { linkId: 'a.b' }],
      ['a linkId with a newline', { linkId: 'a\nb' }],
      ['an empty fileId', { fileId: '' }],
      ['a fileId too long', { fileId: 'f'.repeat(65) }],
      ['a negative version', { version: -1 }],
      ['a fractional version', { version: 1.5 }],
      ['an invalid date', { expiresAt: new Date(Number.NaN) }],
      ['a date before 1970', { expiresAt: new Date(-1000) }],
      ['another method', { method: 'POST' as 'GET' }],
    ])('refuses %s with invalid_argument', (_name, change) => {
      expect(() => signer.sign({ ...request, ...change })).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
    });
  });
});
