import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentDigestOf, formatSha256Digest, parseDigestField, sha256FromDigestField } from './content-digest.js';

describe('RFC 9530 digest fields', () => {
  it('formats the example of RFC 9530', () => {
    // RFC 9530 appendix: the SHA-256 of {"hello": "world"}
    expect(contentDigestOf(Buffer.from('{"hello": "world"}'))).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });
  it('formats hex and bytes alike, and refuses what is not 32 bytes', () => {
    const digest = createHash('sha256').update('x').digest();
    expect(formatSha256Digest(digest.toString('hex'))).toBe(formatSha256Digest(digest));
    expect(() => formatSha256Digest('abcd')).toThrow(TypeError);
  });
  it('parses several members, any case, with parameters, skipping the unreadable', () => {
    const field = 'SHA-512=:YQ==:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:;p=1, md5=token';
    const digests = parseDigestField(field);
    expect([...digests.keys()]).toEqual(['sha-512', 'sha-256']);
    expect(sha256FromDigestField(field)).toBe(createHash('sha256').update('{"hello": "world"}').digest('hex'));
  });
  it('gives no SHA-256 for absent, other or malformed fields', () => {
    expect(sha256FromDigestField(undefined)).toBeUndefined();
    expect(sha256FromDigestField('sha-512=:YQ==:')).toBeUndefined();
    expect(sha256FromDigestField('sha-256=:YQ==:')).toBeUndefined();
    expect(sha256FromDigestField('sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=')).toBeUndefined();
  });
});
