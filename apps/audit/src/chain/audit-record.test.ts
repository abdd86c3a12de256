import { describe, expect, it } from 'vitest';
import { auditRecordOf, canonicalJson, chainHash, chainRow, GENESIS_HASH, outcomeOfType } from './audit-record.js';
import { accessDenied, fileUploaded, loginFailed } from './audit-test.fixture.js';
import { createEvent } from '@coffer/events';

describe('outcomeOfType', () => {
  it.each([
    ['file.uploaded', 'success'],
    ['auth.login_succeeded', 'success'],
    ['auth.login_failed', 'failure'],
    ['integrity.failed', 'failure'],
    ['storage.failed', 'failure'],
    ['webhook.delivery_succeeded', 'success'],
    ['access.denied', 'denied'],
    ['auth.refresh_reuse_detected', 'denied'],
  ])('%s → %s', (type, outcome) => {
    expect(outcomeOfType(type)).toBe(outcome);
  });
});

describe('auditRecordOf', () => {
  it('takes actor and owner from the data of a file event', () => {
    const event = fileUploaded({ actorId: 'a0000000-0000-4000-8000-000000000001', ownerId: 'b0000000-0000-4000-8000-000000000002' });
    const record = auditRecordOf(event);
    expect(record).toMatchObject({ actorId: 'a0000000-0000-4000-8000-000000000001', ownerId: 'b0000000-0000-4000-8000-000000000002', action: 'file.uploaded', outcome: 'success', subject: event.subject });
  });

  it('uses data.userId as actor and owner of user and auth events', () => {
    const event = createEvent({ type: 'auth.session_revoked', source: '/coffer/auth', subject: 's1', data: { userId: 'u1', sessionId: 's1' } });
    expect(auditRecordOf(event)).toMatchObject({ actorId: 'u1', ownerId: 'u1' });
  });

  it('leaves actor and owner empty when the data names none', () => {
    expect(auditRecordOf(loginFailed('x'))).toMatchObject({ actorId: '', ownerId: '', outcome: 'failure' });
    expect(auditRecordOf(accessDenied('bob', 'f1'))).toMatchObject({ actorId: 'bob', ownerId: '', outcome: 'denied' });
  });

  it('cuts the time to milliseconds and keeps the data as canonical JSON', () => {
    const event = createEvent({ type: 'auth.login_failed', source: '/coffer/auth', subject: 's', time: '2026-01-02T03:04:05.678901Z', data: { reason: 'throttled' } });
    expect(auditRecordOf(event)).toMatchObject({ timeMs: Date.parse('2026-01-02T03:04:05.678Z'), dataJson: '{"reason":"throttled"}' });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('chainHash', () => {
  it('links rows and changes with any field, the seq or the previous hash', () => {
    const record = auditRecordOf(fileUploaded());
    const first = chainRow(record, { seq: 0, hash: GENESIS_HASH }, 0);
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, 2, record)).not.toBe(first.hash);
    expect(chainHash('1'.repeat(64), 1, record)).not.toBe(first.hash);
    expect(chainHash(GENESIS_HASH, 1, { ...record, dataJson: '{}' })).not.toBe(first.hash);
    expect(chainHash(GENESIS_HASH, 1, { ...record, outcome: 'denied' })).not.toBe(first.hash);
  });
});
