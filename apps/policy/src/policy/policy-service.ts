import { policyV1 } from '@coffer/contracts';
import { LINK_TOKEN_REFUSED_DETAIL, linkTokenRejectionReason, type LinkTokenSigner } from '@coffer/integrity';
import { AppError, unaryHandler, type Logger } from '@coffer/platform';
import { DecisionCache } from './decision-cache.js';
import { decide, type PolicyDecision } from './policy-engine.js';
import type { PolicyMetrics } from './policy-metrics.js';
import {
  fileIdOf,
  GRANT_PERMISSION_ACTIONS,
  isFileAction,
  isUuid,
  normalizeFolder,
  requireFileAction,
  requireFileResource,
  requireUserId,
  STATEMENT_ID_PATTERN,
  validateActionPattern,
  validateResourcePattern,
  type GrantPermission,
} from './policy-model.js';
import type { GrantRecord, LinkRecord, PolicyRepository, StatementRecord } from './policy-repository.js';

/** Live grants one resource may have at most (a quota; more is `invalid_argument`). */
export const DEFAULT_MAX_LIVE_GRANTS_PER_RESOURCE = 1_000;
/** ListGrantedResources answers at most this many resources. */
export const MAX_GRANTED_RESOURCES = 10_000;
/** A share link lives at most this long. */
export const MAX_LINK_TTL_MS = 30 * 24 * 60 * 60 * 1_000;
const MAX_STATEMENT_ENTRIES = 100;
const MAX_DESCRIPTION_LENGTH = 1_000;

/** What the PolicyService operations need. */
export interface PolicyOperationsDeps {
  readonly repository: PolicyRepository;
  readonly signer: LinkTokenSigner;
  readonly cache: DecisionCache;
  readonly metrics: PolicyMetrics;
  readonly logger: Logger;
  /** The clock; the repository must share it. */
  readonly now: () => Date;
  /** How long the statement list read from the database is reused, in ms (≤ the decision TTL). */
  readonly statementsTtlMs: number;
  readonly maxLiveGrantsPerResource?: number;
}

/**
 * The operations of `coffer.policy.v1.PolicyService`, request in, response out, without gRPC.
 * Which service may call which RPC is the peer allowlist's job (mTLS). The file service, the
 * only caller of grants and links, checks `file:share` with Authorize before it creates or
 * revokes a share or a link; nothing here repeats that check.
 */
export class PolicyOperations {
  private readonly repository: PolicyRepository;
  private readonly signer: LinkTokenSigner;
  private readonly cache: DecisionCache;
  private readonly metrics: PolicyMetrics;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly statementsTtlMs: number;
  private readonly maxLiveGrants: number;
  private statements: { readonly records: readonly StatementRecord[]; readonly loadedAtMs: number; readonly generation: number } | undefined;

  constructor(deps: PolicyOperationsDeps) {
    this.repository = deps.repository;
    this.signer = deps.signer;
    this.cache = deps.cache;
    this.metrics = deps.metrics;
    this.logger = deps.logger;
    this.now = deps.now;
    this.statementsTtlMs = deps.statementsTtlMs;
    this.maxLiveGrants = deps.maxLiveGrantsPerResource ?? DEFAULT_MAX_LIVE_GRANTS_PER_RESOURCE;
  }

  /**
   * The hot path. A missing or non-UUID actor, or a missing resource, is denied
   * (`default-deny`), never an error; an action outside the four known ones or a resource that
   * is not `file/<uuid>` is the caller's bug and `invalid_argument`.
   */
  async authorize(request: policyV1.AuthorizeRequest): Promise<policyV1.AuthorizeResponse> {
    const action = requireFileAction(request.action.trim());
    const resourceText = request.resource.trim();
    const actorText = request.actorId.trim();
    if (resourceText === '' || actorText === '' || !isUuid(actorText)) {
      if (resourceText !== '') requireFileResource(resourceText);
      return this.answer({ effect: 'deny', reason: 'default-deny', reasonKind: 'default_deny', changesAtMs: undefined });
    }
    const resource = requireFileResource(resourceText);
    const ownerText = request.resourceOwnerId.trim();
    const question = {
      actorId: actorText.toLowerCase(),
      action,
      resource,
      ownerId: isUuid(ownerText) ? ownerText.toLowerCase() : '',
      folder: normalizeFolder(request.resourceFolder),
    };
    const key = DecisionCache.key(question);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.metrics.cacheHits.inc();
      return this.answer(cached);
    }
    this.metrics.cacheMisses.inc();
    const generation = this.cache.generation;
    const [statements, grants] = await Promise.all([this.currentStatements(), this.repository.liveGrantsOf(resource, question.actorId)]);
    const decision = decide(question, { statements, grants, now: this.now() });
    this.cache.set(key, decision, generation);
    return this.answer(decision);
  }

  /**
   * Shares a file with one user: `file:read`, or `file:read` and `file:write`. A grant to a
   * user who already holds one on the resource replaces it (the old one is revoked).
   */
  async createGrant(request: policyV1.CreateGrantRequest): Promise<policyV1.CreateGrantResponse> {
    const actorId = requireUserId(request.actorId, 'actorId');
    const grant = request.grant;
    if (grant === undefined) throw invalid('grant: is required.');
    const resource = requireFileResource(grant.resource, 'grant.resource');
    const granteeId = requireUserId(grant.granteeId, 'grant.granteeId');
    if (granteeId === actorId) throw invalid('grant.granteeId: cannot be the actor; the owner already holds every action.');
    if (grant.effect === policyV1.Effect.EFFECT_DENY) throw invalid('grant.effect: a share can only allow (use a Deny statement to refuse).');
    const permission = grantPermissionOf(grant.actions);
    const now = this.now();
    if (grant.expiresAt !== undefined && !(grant.expiresAt.getTime() > now.getTime())) throw invalid('grant.expiresAt: must be in the future.');
    const stored = await this.repository.createGrant(
      { resource, granteeId, permission, expiresAt: grant.expiresAt },
      { actorId, traceparent: request.traceparent },
      { maxLiveGrants: this.maxLiveGrants },
    );
    this.changed();
    return { grant: toGrantMessage(stored) };
  }

  /** Revokes a share; NOT_FOUND when the grant is not on that resource. Revoking twice is fine. */
  async revokeGrant(request: policyV1.RevokeGrantRequest): Promise<policyV1.RevokeGrantResponse> {
    const actorId = requireUserId(request.actorId, 'actorId');
    const resource = requireFileResource(request.resource);
    const outcome = await this.repository.revokeGrant(resource, request.grantId.trim().toLowerCase(), { actorId, traceparent: request.traceparent });
    if (outcome === 'not-found') throw new AppError('not_found', { detail: 'The grant does not exist on this resource.' });
    this.changed();
    return {};
  }

  async listGrants(request: policyV1.ListGrantsRequest): Promise<policyV1.ListGrantsResponse> {
    const resource = requireFileResource(request.resource);
    return { grants: (await this.repository.listLiveGrants(resource)).map(toGrantMessage) };
  }

  /** Resources the user holds a live grant on ("shared with me"); `action` '' means any. */
  async listGrantedResources(request: policyV1.ListGrantedResourcesRequest): Promise<policyV1.ListGrantedResourcesResponse> {
    const granteeId = requireUserId(request.granteeId, 'granteeId');
    const action = request.action.trim();
    const permissions = (Object.keys(GRANT_PERMISSION_ACTIONS) as GrantPermission[]).filter(
      (permission) => action === '' || GRANT_PERMISSION_ACTIONS[permission].some((held) => held === requireFileAction(action)),
    );
    return { resources: await this.repository.listGrantedResources(granteeId, permissions, MAX_GRANTED_RESOURCES) };
  }

  /** When a file is purged: every grant and link on it stops working at once. */
  async revokeResourceGrants(request: policyV1.RevokeResourceGrantsRequest): Promise<policyV1.RevokeResourceGrantsResponse> {
    const resource = requireFileResource(request.resource);
    const counts = await this.repository.revokeResource(resource);
    this.changed();
    this.logger.info({ resource, grants: counts.grants, links: counts.links }, 'revoked every grant and link of a resource');
    return {};
  }

  async putStatement(request: policyV1.PutStatementRequest): Promise<policyV1.PutStatementResponse> {
    const actorId = requireUserId(request.actorId, 'actorId');
    const statement = request.statement;
    if (statement === undefined) throw invalid('statement: is required.');
    if (!STATEMENT_ID_PATTERN.test(statement.id)) throw invalid(`statement.id: must match ${String(STATEMENT_ID_PATTERN)}.`);
    const effect =
      statement.effect === policyV1.Effect.EFFECT_ALLOW ? 'allow' : statement.effect === policyV1.Effect.EFFECT_DENY ? 'deny' : undefined;
    if (effect === undefined) throw invalid('statement.effect: must be EFFECT_ALLOW or EFFECT_DENY.');
    const principals = nonEmptyList(statement.principals, 'statement.principals').map((principal, index) => {
      if (principal === '*') return principal;
      if (!isUuid(principal)) throw invalid(`statement.principals[${index}]: must be a user id (UUID) or *.`);
      return principal.toLowerCase();
    });
    const actions = nonEmptyList(statement.actions, 'statement.actions').map((pattern, index) => validateActionPattern(pattern, `statement.actions[${index}]`));
    const resources = nonEmptyList(statement.resources, 'statement.resources').map((pattern, index) =>
      validateResourcePattern(pattern, `statement.resources[${index}]`),
    );
    if (statement.notBefore !== undefined && statement.notAfter !== undefined && !(statement.notBefore < statement.notAfter)) {
      throw invalid('statement.notAfter: must be after notBefore.');
    }
    if (statement.description.length > MAX_DESCRIPTION_LENGTH) throw invalid(`statement.description: at most ${MAX_DESCRIPTION_LENGTH} characters.`);
    const stored = await this.repository.putStatement({
      id: statement.id,
      effect,
      principals: unique(principals),
      actions: unique(actions),
      resources: unique(resources),
      notBefore: statement.notBefore,
      notAfter: statement.notAfter,
      description: statement.description,
      createdBy: actorId,
    });
    this.changed();
    return { statement: toStatementMessage(stored) };
  }

  async deleteStatement(request: policyV1.DeleteStatementRequest): Promise<policyV1.DeleteStatementResponse> {
    requireUserId(request.actorId, 'actorId');
    if (!STATEMENT_ID_PATTERN.test(request.statementId)) throw invalid(`statementId: must match ${String(STATEMENT_ID_PATTERN)}.`);
    const removed = await this.repository.deleteStatement(request.statementId);
    if (!removed) throw new AppError('not_found', { detail: 'The statement does not exist.' });
    this.changed();
    return {};
  }

  async listStatements(_request: policyV1.ListStatementsRequest): Promise<policyV1.ListStatementsResponse> {
    return { statements: (await this.repository.listStatements()).map(toStatementMessage) };
  }

  /** Issues a signed link to one file (version 0 = current), expiring within 30 days. */
  async createLink(request: policyV1.CreateLinkRequest): Promise<policyV1.CreateLinkResponse> {
    const actorId = requireUserId(request.actorId, 'actorId');
    const resource = requireFileResource(request.resource);
    if (!Number.isSafeInteger(request.version) || request.version < 0) throw invalid('version: must be a whole number >= 0.');
    if (request.expiresAt === undefined) throw invalid('expiresAt: is required.');
    const now = this.now().getTime();
    // The token carries whole seconds; the row keeps the same instant, so both agree.
    const expiresAt = new Date(Math.floor(request.expiresAt.getTime() / 1_000) * 1_000);
    if (!(expiresAt.getTime() > now)) throw invalid('expiresAt: must be in the future.');
    if (expiresAt.getTime() - now > MAX_LINK_TTL_MS) throw invalid('expiresAt: must be at most 30 days ahead.');
    const link = await this.repository.createLink({ resource, version: request.version, expiresAt }, { actorId, traceparent: request.traceparent });
    const token = this.signer.sign({ linkId: link.id, fileId: fileIdOrThrow(resource), version: link.version, expiresAt: link.expiresAt, method: 'GET' });
    this.changed();
    return { link: toLinkMessage(link), token };
  }

  async revokeLink(request: policyV1.RevokeLinkRequest): Promise<policyV1.RevokeLinkResponse> {
    const actorId = requireUserId(request.actorId, 'actorId');
    const resource = requireFileResource(request.resource);
    const outcome = await this.repository.revokeLink(resource, request.linkId.trim().toLowerCase(), { actorId, traceparent: request.traceparent });
    if (outcome === 'not-found') throw new AppError('not_found', { detail: 'The link does not exist on this resource.' });
    this.changed();
    return {};
  }

  async listLinks(request: policyV1.ListLinksRequest): Promise<policyV1.ListLinksResponse> {
    const resource = requireFileResource(request.resource);
    return { links: (await this.repository.listLiveLinks(resource)).map(toLinkMessage) };
  }

  /**
   * Verifies a token (MAC in constant time, expiry, method; HEAD counts as GET), then that its
   * link exists, is for the token's file and is neither revoked nor expired. Every failure is
   * the same PERMISSION_DENIED; the reason goes to the log only (never the token).
   */
  async resolveLink(request: policyV1.ResolveLinkRequest): Promise<policyV1.ResolveLinkResponse> {
    const now = this.now();
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    let claims;
    try {
      claims = this.signer.verify(request.token, { method, now });
    } catch (error) {
      const reason = linkTokenRejectionReason(error);
      if (reason === undefined) throw error;
      return this.refuseLink(reason);
    }
    const link = await this.repository.findLink(claims.linkId);
    if (link === undefined) return this.refuseLink('unknown_link');
    if (fileIdOf(link.resource) !== claims.fileId.toLowerCase() || link.version !== claims.version) return this.refuseLink('mismatch');
    if (link.revokedAt !== undefined) return this.refuseLink('revoked');
    if (link.expiresAt.getTime() <= now.getTime()) return this.refuseLink('expired');
    return { link: toLinkMessage(link) };
  }

  private refuseLink(reason: string): never {
    this.logger.info({ reason }, 'share link refused');
    throw new AppError('permission_denied', { detail: LINK_TOKEN_REFUSED_DETAIL });
  }

  private answer(decision: PolicyDecision): policyV1.AuthorizeResponse {
    this.metrics.recordDecision(decision.effect, decision.reasonKind);
    return { effect: decision.effect === 'allow' ? policyV1.Effect.EFFECT_ALLOW : policyV1.Effect.EFFECT_DENY, reason: decision.reason };
  }

  /** Statements change rarely: read them at most once per `statementsTtlMs`, or after a local change. */
  private async currentStatements(): Promise<readonly StatementRecord[]> {
    const nowMs = this.now().getTime();
    const generation = this.cache.generation;
    const snapshot = this.statements;
    if (snapshot !== undefined && snapshot.generation === generation && nowMs - snapshot.loadedAtMs < this.statementsTtlMs) return snapshot.records;
    const records = await this.repository.listStatements();
    if (this.cache.generation === generation) this.statements = { records, loadedAtMs: nowMs, generation };
    return records;
  }

  /** After any change made here: the next decision on this instance sees it. */
  private changed(): void {
    this.cache.invalidateAll();
    this.statements = undefined;
  }
}

/** The grpc-js implementation of PolicyService: each RPC through the platform's `unaryHandler`. */
export function policyServiceImplementation(operations: PolicyOperations, logger: Logger): policyV1.PolicyServiceServer {
  return {
    authorize: unaryHandler(logger, (request: policyV1.AuthorizeRequest) => operations.authorize(request)),
    createGrant: unaryHandler(logger, (request: policyV1.CreateGrantRequest) => operations.createGrant(request)),
    revokeGrant: unaryHandler(logger, (request: policyV1.RevokeGrantRequest) => operations.revokeGrant(request)),
    listGrants: unaryHandler(logger, (request: policyV1.ListGrantsRequest) => operations.listGrants(request)),
    listGrantedResources: unaryHandler(logger, (request: policyV1.ListGrantedResourcesRequest) => operations.listGrantedResources(request)),
    revokeResourceGrants: unaryHandler(logger, (request: policyV1.RevokeResourceGrantsRequest) => operations.revokeResourceGrants(request)),
    putStatement: unaryHandler(logger, (request: policyV1.PutStatementRequest) => operations.putStatement(request)),
    deleteStatement: unaryHandler(logger, (request: policyV1.DeleteStatementRequest) => operations.deleteStatement(request)),
    listStatements: unaryHandler(logger, (request: policyV1.ListStatementsRequest) => operations.listStatements(request)),
    createLink: unaryHandler(logger, (request: policyV1.CreateLinkRequest) => operations.createLink(request)),
    revokeLink: unaryHandler(logger, (request: policyV1.RevokeLinkRequest) => operations.revokeLink(request)),
    listLinks: unaryHandler(logger, (request: policyV1.ListLinksRequest) => operations.listLinks(request)),
    resolveLink: unaryHandler(logger, (request: policyV1.ResolveLinkRequest) => operations.resolveLink(request)),
  };
}

function grantPermissionOf(actions: readonly string[]): GrantPermission {
  const set = new Set(actions.map((action) => action.trim()));
  if ([...set].some((action) => !isFileAction(action))) throw invalid('grant.actions: must be [file:read] or [file:read, file:write].');
  if (set.size === 1 && set.has('file:read')) return 'read';
  if (set.size === 2 && set.has('file:read') && set.has('file:write')) return 'read-write';
  throw invalid('grant.actions: must be [file:read] or [file:read, file:write].');
}

function nonEmptyList(values: readonly string[], field: string): string[] {
  if (values.length === 0) throw invalid(`${field}: at least one is required.`);
  if (values.length > MAX_STATEMENT_ENTRIES) throw invalid(`${field}: at most ${MAX_STATEMENT_ENTRIES}.`);
  return values.map((value) => value.trim());
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function fileIdOrThrow(resource: string): string {
  const id = fileIdOf(resource);
  if (id === undefined) throw invalid('resource: must be file/<uuid>.');
  return id;
}

function invalid(detail: string): AppError {
  return new AppError('invalid_argument', { detail });
}

/** The contract's `Grant` message. */
export function toGrantMessage(grant: GrantRecord): policyV1.Grant {
  return {
    id: grant.id,
    resource: grant.resource,
    granteeId: grant.granteeId,
    actions: [...GRANT_PERMISSION_ACTIONS[grant.permission]],
    effect: policyV1.Effect.EFFECT_ALLOW,
    createdBy: grant.createdBy,
    createdAt: grant.createdAt,
    expiresAt: grant.expiresAt,
  };
}

/** The contract's `Statement` message. */
export function toStatementMessage(statement: StatementRecord): policyV1.Statement {
  return {
    id: statement.id,
    effect: statement.effect === 'allow' ? policyV1.Effect.EFFECT_ALLOW : policyV1.Effect.EFFECT_DENY,
    principals: [...statement.principals],
    actions: [...statement.actions],
    resources: [...statement.resources],
    notBefore: statement.notBefore,
    notAfter: statement.notAfter,
    description: statement.description,
    createdBy: statement.createdBy,
    createdAt: statement.createdAt,
  };
}

/** The contract's `Link` message. */
export function toLinkMessage(link: LinkRecord): policyV1.Link {
  return {
    id: link.id,
    resource: link.resource,
    version: link.version,
    createdBy: link.createdBy,
    createdAt: link.createdAt,
    expiresAt: link.expiresAt,
  };
}
