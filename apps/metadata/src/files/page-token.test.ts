import { describe, expect, it } from 'vitest';
import { decodeFilePageToken, encodeFilePageToken, type FilePageCursor } from './page-token.js';

const ID = '0190f5a2-7b1c-7abc-8def-0123456789ab';
const INVALID = { code: 'invalid_argument', detail: 'pageToken: is not valid.' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('file page tokens', () => {
  it.each<FilePageCursor>([
    { sort: 'name', descending: false, key: 'report.pdf', id: ID },
    { sort: 'name', descending: true, key: 'naïve 名前 %_', id: ID },
    { sort: 'size', descending: false, key: 5 * 1024 ** 3, id: ID },
    { sort: 'updated_at', descending: true, key: Date.UTC(2026, 0, 1, 0, 0, 0, 123), id: ID },
  ])('round-trips %o', (cursor) => {
    const token = encodeFilePageToken(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeFilePageToken(token, cursor)).toEqual(cursor);
  });

  it('refuses a token from another sort or direction', () => {
    const token = encodeFilePageToken({ sort: 'name', descending: false, key: 'a', id: ID });
    expect(() => decodeFilePageToken(token, { sort: 'size', descending: false })).toThrow(expect.objectContaining(INVALID) as Error);
    expect(() => decodeFilePageToken(token, { sort: 'name', descending: true })).toThrow(expect.objectContaining(INVALID) as Error);
  });

  it.each([
    ['garbage', 'not a token!'],
    ['not JSON', b64('hello')],
    ['an object', b64(JSON.stringify({ sort: 'name' }))],
    ['another version', b64(JSON.stringify([2, 'name', 'asc', 'a', ID]))],
    ['an unknown sort', b64(JSON.stringify([1, 'owner', 'asc', 'a', ID]))],
    ['an unknown direction', b64(JSON.stringify([1, 'name', 'up', 'a', ID]))],
    ['a malformed id', b64(JSON.stringify([1, 'name', 'asc', 'a', 'x']))],
    ['a number key for name', b64(JSON.stringify([1, 'name', 'asc', 5, ID]))],
    ['a text key for size', b64(JSON.stringify([1, 'size', 'asc', '5', ID]))],
    ['a fractional size', b64(JSON.stringify([1, 'size', 'asc', 1.5, ID]))],
    ['a negative size', b64(JSON.stringify([1, 'size', 'asc', -1, ID]))],
    ['extra entries', b64(JSON.stringify([1, 'name', 'asc', 'a', ID, 1]))],
    ['a non-canonical spelling', b64(JSON.stringify([1, 'name', 'asc', 'a', ID], null, 1))],
    ['padding', `${b64(JSON.stringify([1, 'name', 'asc', 'a', ID]))}=`],
    ['an oversized token', 'A'.repeat(2_001)],
  ])('refuses %s', (_label, token) => {
    const sort = Buffer.from(token, 'base64url').toString('utf8').includes('"size"') ? 'size' : 'name';
    expect(() => decodeFilePageToken(token, { sort, descending: false })).toThrow(expect.objectContaining(INVALID) as Error);
  });
});
