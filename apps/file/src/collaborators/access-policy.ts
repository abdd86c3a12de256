import { policyV1 } from '@coffer/contracts';
import { AppError, unaryCall } from '@coffer/platform';

/** What the file service asks the policy service to decide. */
export interface AccessQuestion {
  actorId: string;
  /** `file:read`, `file:write`, `file:delete` or `file:share`. */
  action: FileAction;
  /** `file/<id>`. */
  resource: string;
  resourceOwnerId: string;
  resourceFolder: string;
}

/** The policy service's answer: allowed or not, and why (`owner`, `grant:<id>`, `default-deny`, …). */
export interface AccessDecision {
  allowed: boolean;
  reason: string;
}

/** The actions on files the policy service knows. */
export type FileAction = 'file:read' | 'file:write' | 'file:delete' | 'file:share';

/**
 * The policy service, as the file service uses it: decisions, grants (shares) and share links.
 * Requests and responses are the contract's messages. Failures are AppErrors.
 */
export interface AccessPolicy {
  /** Deny by default: anything but an explicit Allow is `allowed: false`. */
  authorize(question: AccessQuestion): Promise<AccessDecision>;
  createGrant(request: policyV1.CreateGrantRequest): Promise<policyV1.Grant>;
  revokeGrant(request: policyV1.RevokeGrantRequest): Promise<void>;
  listGrants(request: policyV1.ListGrantsRequest): Promise<policyV1.Grant[]>;
  /** Resources (`file/<id>`) the grantee holds a live grant on that includes `action`. */
  listGrantedResources(granteeId: string, action: FileAction): Promise<string[]>;
  revokeResourceGrants(resource: string): Promise<void>;
  createLink(request: policyV1.CreateLinkRequest): Promise<policyV1.CreateLinkResponse>;
  revokeLink(request: policyV1.RevokeLinkRequest): Promise<void>;
  listLinks(resource: string): Promise<policyV1.Link[]>;
  /** `permission_denied` for a bad, expired or revoked token (without saying which). */
  resolveLink(token: string, method: 'GET'): Promise<policyV1.Link>;
}

/** {@link AccessPolicy} over the policy service's gRPC API. */
export class GrpcAccessPolicy implements AccessPolicy {
  constructor(
    private readonly client: policyV1.PolicyServiceClient,
    private readonly deadlineMs: number,
  ) {}

  async authorize(question: AccessQuestion): Promise<AccessDecision> {
    const response = await unaryCall(this.client.authorize.bind(this.client), question, this.deadlineMs);
    return { allowed: response.effect === policyV1.Effect.EFFECT_ALLOW, reason: response.reason };
  }

  async createGrant(request: policyV1.CreateGrantRequest): Promise<policyV1.Grant> {
    const { grant } = await unaryCall(this.client.createGrant.bind(this.client), request, this.deadlineMs);
    if (grant === undefined) throw new AppError('internal', { detail: 'The policy service answered without a grant.' });
    return grant;
  }

  async revokeGrant(request: policyV1.RevokeGrantRequest): Promise<void> {
    await unaryCall(this.client.revokeGrant.bind(this.client), request, this.deadlineMs);
  }

  async listGrants(request: policyV1.ListGrantsRequest): Promise<policyV1.Grant[]> {
    return (await unaryCall(this.client.listGrants.bind(this.client), request, this.deadlineMs)).grants;
  }

  async listGrantedResources(granteeId: string, action: FileAction): Promise<string[]> {
    return (await unaryCall(this.client.listGrantedResources.bind(this.client), { granteeId, action }, this.deadlineMs)).resources;
  }

  async revokeResourceGrants(resource: string): Promise<void> {
    await unaryCall(this.client.revokeResourceGrants.bind(this.client), { resource }, this.deadlineMs);
  }

  createLink(request: policyV1.CreateLinkRequest): Promise<policyV1.CreateLinkResponse> {
    return unaryCall(this.client.createLink.bind(this.client), request, this.deadlineMs);
  }

  async revokeLink(request: policyV1.RevokeLinkRequest): Promise<void> {
    await unaryCall(this.client.revokeLink.bind(this.client), request, this.deadlineMs);
  }

  async listLinks(resource: string): Promise<policyV1.Link[]> {
    return (await unaryCall(this.client.listLinks.bind(this.client), { resource }, this.deadlineMs)).links;
  }

  async resolveLink(token: string, method: 'GET'): Promise<policyV1.Link> {
    const { link } = await unaryCall(this.client.resolveLink.bind(this.client), { token, method }, this.deadlineMs);
    if (link === undefined) throw new AppError('internal', { detail: 'The policy service answered without a link.' });
    return link;
  }
}

/** `file/<id>`: the policy resource of a file. */
export function fileResource(fileId: string): string {
  return `file/${fileId}`;
}

/** The file id of a `file/<id>` resource, or undefined for any other resource. */
export function fileIdOfResource(resource: string): string | undefined {
  return resource.startsWith('file/') && resource.length > 'file/'.length ? resource.slice('file/'.length) : undefined;
}
