import type { JSONWebKeySet } from 'jose';
import type { authV1 } from '@coffer/contracts';
import { unaryCall } from '@coffer/platform';
import type { JwksSource, SessionChecker } from './access-token-authenticator.js';

/** auth's GetJwks as the gateway's key source. */
export class GrpcJwksSource implements JwksSource {
  constructor(
    private readonly auth: authV1.AuthServiceClient,
    private readonly deadlineMs: number,
  ) {}

  async fetch(): Promise<JSONWebKeySet> {
    const response = await unaryCall(this.auth.getJwks.bind(this.auth), {}, this.deadlineMs);
    return JSON.parse(response.jwksJson) as JSONWebKeySet;
  }
}

/** auth's CheckSession as the gateway's session check. */
export class GrpcSessionChecker implements SessionChecker {
  constructor(
    private readonly auth: authV1.AuthServiceClient,
    private readonly deadlineMs: number,
  ) {}

  async isActive(sessionId: string): Promise<boolean> {
    return (await unaryCall(this.auth.checkSession.bind(this.auth), { sessionId }, this.deadlineMs)).active;
  }
}
