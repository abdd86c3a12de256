import { describe, expect, it } from 'vitest';
import { ALL_SERVICES, HEALTH_CHECK_METHOD, isPeerAllowed } from '@coffer/platform';
import { auditPeerAllowlist } from './peer-allowlist.js';

/** The RPCs of proto/coffer/audit/v1/audit.proto that only the gateway may call. */
const RPC_METHODS = [
  '/coffer.audit.v1.AuditService/QueryEvents',
  '/coffer.audit.v1.AuditService/ExportEvents',
  '/coffer.audit.v1.AuditService/VerifyChain',
];

/** The services that may call those RPCs. */
const CALLERS: readonly string[] = ['gateway'];

/** PublishEvents: the producers of events (dev, embedded bus). */
const PUBLISH_METHOD = '/coffer.audit.v1.AuditService/PublishEvents';
const PUBLISHERS: readonly string[] = ['auth', 'user', 'file', 'metadata', 'policy', 'webhook'];

/** Every other Coffer service, and a caller that presented no certificate identity. */
const REFUSED_PEERS = [
  ...ALL_SERVICES.filter((peer) => !CALLERS.includes(peer)).map((peer) => ({ label: peer, peer })),
  { label: 'a caller without identity', peer: undefined },
];

describe('audit peer allowlist', () => {
  it.each(CALLERS.flatMap((peer) => RPC_METHODS.map((method) => [peer, method] as const)))('lets %s call %s', (peer, method) => {
    expect(isPeerAllowed(auditPeerAllowlist, method, peer)).toBe(true);
  });

  it.each(PUBLISHERS)('lets %s publish events', (peer) => {
    expect(isPeerAllowed(auditPeerAllowlist, PUBLISH_METHOD, peer)).toBe(true);
  });

  it.each(ALL_SERVICES.filter((peer) => !PUBLISHERS.includes(peer)))('refuses %s publishing events', (peer) => {
    expect(isPeerAllowed(auditPeerAllowlist, PUBLISH_METHOD, peer)).toBe(false);
    expect(isPeerAllowed(auditPeerAllowlist, PUBLISH_METHOD, undefined)).toBe(false);
  });

  it('lets the gateway check its health', () => {
    expect(isPeerAllowed(auditPeerAllowlist, HEALTH_CHECK_METHOD, 'gateway')).toBe(true);
  });

  it.each(REFUSED_PEERS.flatMap(({ label, peer }) => RPC_METHODS.map((method) => [label, method, peer] as const)))(
    'refuses %s calling %s',
    (_label, method, peer) => {
      expect(isPeerAllowed(auditPeerAllowlist, method, peer)).toBe(false);
    },
  );

  it('refuses a caller without identity a health check', () => {
    expect(isPeerAllowed(auditPeerAllowlist, HEALTH_CHECK_METHOD, undefined)).toBe(false);
  });

  it.each(ALL_SERVICES)('refuses %s a method the contract does not declare (deny by default)', (peer) => {
    expect(isPeerAllowed(auditPeerAllowlist, '/coffer.audit.v1.AuditService/NotInTheContract', peer)).toBe(false);
  });
});
