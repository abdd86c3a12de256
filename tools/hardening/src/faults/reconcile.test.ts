import { describe, expect, it } from 'vitest';
import { isClean, reconcile, type ReconcileInput } from './reconcile.js';

const upload = (id: string, at = 100) => ({ id, sha256: `sha-${id}`, bytes: 10, at });
const hit = (eventId: string, type: string, subject: string) => ({ at: 0, webhookId: `w-${eventId}`, eventId, type, subject });
const row = (id: string, action: string, subject: string, timeMs = 100) => ({ id, action, subject, timeMs });

function input(overrides: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    uploads: [upload('f1'), upload('f2')],
    shares: [{ fileId: 'f1', shareId: 's1', at: 100 }],
    logins: [100, 150],
    window: { from: 50, to: 200 },
    downloads: new Map([
      ['f1', { status: 200, sha256: 'sha-f1' }],
      ['f2', { status: 200, sha256: 'sha-f2' }],
    ]),
    audit: [row('e1', 'file.uploaded', 'f1'), row('e2', 'file.uploaded', 'f2'), row('e3', 'share.granted', 'f1'), row('e4', 'auth.login_succeeded', 'u', 90), row('e5', 'auth.login_succeeded', 'u', 140)],
    hooks: [hit('e1', 'file.uploaded', 'f1'), hit('e2', 'file.uploaded', 'f2'), hit('e3', 'share.granted', 'f1')],
    ...overrides,
  };
}

describe('reconcile', () => {
  it('finds nothing wrong when every acknowledged item is downloaded, audited once and delivered', () => {
    const result = reconcile(input());
    expect(result).toEqual({
      acked: { uploads: 2, shares: 1, logins: 2 },
      downloads: { failed: 0, badDigest: 0 },
      audit: { missing: 0, duplicated: 0, missingLogins: 0 },
      webhooks: { missing: 0, duplicated: 0, redeliveries: 0 },
      examples: [],
    });
    expect(isClean(result)).toBe(true);
  });

  it('counts a lost upload in every place it is missing', () => {
    const result = reconcile(input({ uploads: [upload('f1'), upload('f2'), upload('f3')] }));
    expect(result.downloads.failed).toBe(1);
    expect(result.audit.missing).toBe(1);
    expect(result.webhooks.missing).toBe(1);
    expect(result.examples).toContain('audit missing: file.uploaded f3');
    expect(isClean(result)).toBe(false);
  });

  it('tells a second event for one upload (a duplicate) from a redelivery of the same event (fine)', () => {
    const doubled = reconcile(input({ audit: [...input().audit, row('e9', 'file.uploaded', 'f2')], hooks: [...input().hooks, hit('e9', 'file.uploaded', 'f2')] }));
    expect(doubled.audit.duplicated).toBe(1);
    expect(doubled.webhooks.duplicated).toBe(1);
    expect(isClean(doubled)).toBe(false);
    const redelivered = reconcile(input({ hooks: [...input().hooks, hit('e2', 'file.uploaded', 'f2'), hit('e2', 'file.uploaded', 'f2')] }));
    expect(redelivered.webhooks).toEqual({ missing: 0, duplicated: 0, redeliveries: 2 });
    expect(isClean(redelivered)).toBe(true);
  });

  it('counts an audit row that is stored twice under one id once', () => {
    expect(reconcile(input({ audit: [...input().audit, row('e2', 'file.uploaded', 'f2')] })).audit.duplicated).toBe(0);
  });

  it('flags a wrong digest and a failed download of an acknowledged upload', () => {
    const result = reconcile(input({ downloads: new Map([['f1', { status: 200, sha256: 'other' }], ['f2', { status: 503, sha256: '' }]]) }));
    expect(result.downloads).toEqual({ failed: 1, badDigest: 1 });
  });

  it('matches logins by time window and reports audited logins short of the acknowledged ones', () => {
    const result = reconcile(input({ logins: [100, 150, 160], audit: input().audit.filter((r) => r.id !== 'e5') }));
    expect(result.acked.logins).toBe(3);
    expect(result.audit.missingLogins).toBe(2);
    // e4 lies in the window and counts; one outside the window does not.
    expect(reconcile(input({ window: { from: 95, to: 200 } })).audit.missingLogins).toBe(1);
  });

  it('matches a share by its file: a share.granted of another file does not count', () => {
    const result = reconcile(input({ audit: input().audit.map((r) => (r.id === 'e3' ? { ...r, subject: 'f2' } : r)), hooks: input().hooks.map((h) => (h.eventId === 'e3' ? { ...h, subject: 'f2' } : h)) }));
    expect(result.audit.missing).toBe(1);
    expect(result.webhooks.missing).toBe(1);
  });
});
