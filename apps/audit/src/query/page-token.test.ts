import { describe, expect, it } from 'vitest';
import { decodeAuditPageToken, encodeAuditPageToken } from './page-token.js';

const BAD = { code: 'invalid_argument', detail: 'pageToken: is not valid.' };

describe('audit page tokens', () => {
  it('round-trip a seq', () => {
    expect(decodeAuditPageToken(encodeAuditPageToken(42))).toBe(42);
  });

  it.each([
    ['garbage', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another version', Buffer.from('[2,5]').toString('base64url')],
    ['a negative seq', Buffer.from('[1,-5]').toString('base64url')],
    ['a string seq', Buffer.from('[1,"5"]').toString('base64url')],
    ['a fraction', Buffer.from('[1,1.5]').toString('base64url')],
    ['extra members', Buffer.from('[1,5,6]').toString('base64url')],
    ['a non-canonical spelling', Buffer.from('[1, 5]').toString('base64url')],
    ['a huge token', 'A'.repeat(5_000)],
  ])('refuse %s', (_label, token) => {
    expect(() => decodeAuditPageToken(token)).toThrow(expect.objectContaining(BAD) as Error);
  });
});
