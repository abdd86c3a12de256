import type { GrantRecord, StatementRecord } from './policy-repository.js';
import { actionMatches, GRANT_PERMISSION_ACTIONS, resourceMatches, type FileAction } from './policy-model.js';

/** One question to the engine, already validated and normalised. */
export interface DecisionRequest {
  /** The acting user (UUID, lower case), or '' when there is none (never allowed anything). */
  readonly actorId: string;
  readonly action: FileAction;
  /** `file/<uuid>`, lower case. */
  readonly resource: string;
  /** The owner (UUID, lower case) or '' when the caller did not say. */
  readonly ownerId: string;
  /** `/a/b`, or '' when the caller did not say. */
  readonly folder: string;
}

/** The kinds of reason, the only reason label metrics carry (never ids). */
export type ReasonKind = 'owner' | 'grant' | 'statement' | 'explicit_deny' | 'default_deny';

/** A decision with its reason: `owner`, `grant:<id>`, `statement:<id>`, `explicit-deny:<id>` or `default-deny`. */
export interface PolicyDecision {
  readonly effect: 'allow' | 'deny';
  readonly reason: string;
  readonly reasonKind: ReasonKind;
  /**
   * When time alone could change this decision (a grant expiring, a statement window opening
   * or closing), in epoch ms; undefined when it cannot. The cache never keeps it longer.
   */
  readonly changesAtMs: number | undefined;
}

/** What the engine decides from. */
export interface DecisionFacts {
  /** Every statement. */
  readonly statements: readonly StatementRecord[];
  /** The actor's live grants on the resource. */
  readonly grants: readonly GrantRecord[];
  readonly now: Date;
}

/**
 * The decision rule, in order:
 * 1. a Deny statement that applies → `explicit-deny:<id>` (wins over everything, ownership too);
 * 2. the actor owns the resource → `owner` (every action);
 * 3. a live grant of the actor includes the action → `grant:<id>`;
 * 4. an Allow statement that applies → `statement:<id>`;
 * 5. otherwise `default-deny`.
 * A statement applies when it is in its time window (not_before ≤ now < not_after), names the
 * actor or `*`, and one of its action and one of its resource patterns match. Without an actor
 * nothing applies and the answer is `default-deny`. Statements are tried by id, so the reason
 * is stable when several match.
 */
export function decide(request: DecisionRequest, facts: DecisionFacts): PolicyDecision {
  const nowMs = facts.now.getTime();
  let changesAtMs: number | undefined;
  const boundary = (at: Date | undefined) => {
    const ms = at?.getTime();
    if (ms !== undefined && ms > nowMs && (changesAtMs === undefined || ms < changesAtMs)) changesAtMs = ms;
  };
  if (request.actorId === '') return { effect: 'deny', reason: 'default-deny', reasonKind: 'default_deny', changesAtMs };

  const statements = [...facts.statements].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const candidates = statements.filter((statement) => {
    if (!statement.principals.some((principal) => principal === '*' || principal === request.actorId)) return false;
    if (!statement.actions.some((pattern) => actionMatches(pattern, request.action))) return false;
    if (!statement.resources.some((pattern) => resourceMatches(pattern, request.resource, request.folder))) return false;
    boundary(statement.notBefore);
    boundary(statement.notAfter);
    return true;
  });
  const inWindow = (statement: StatementRecord) =>
    (statement.notBefore === undefined || statement.notBefore.getTime() <= nowMs) && (statement.notAfter === undefined || nowMs < statement.notAfter.getTime());

  const deny = candidates.find((statement) => statement.effect === 'deny' && inWindow(statement));
  if (deny !== undefined) return { effect: 'deny', reason: `explicit-deny:${deny.id}`, reasonKind: 'explicit_deny', changesAtMs };

  if (request.ownerId !== '' && request.ownerId === request.actorId) {
    return { effect: 'allow', reason: 'owner', reasonKind: 'owner', changesAtMs };
  }

  const grant = facts.grants.find(
    (candidate) =>
      candidate.revokedAt === undefined &&
      (candidate.expiresAt === undefined || candidate.expiresAt.getTime() > nowMs) &&
      GRANT_PERMISSION_ACTIONS[candidate.permission].includes(request.action),
  );
  if (grant !== undefined) {
    boundary(grant.expiresAt);
    return { effect: 'allow', reason: `grant:${grant.id}`, reasonKind: 'grant', changesAtMs };
  }

  const allow = candidates.find((statement) => statement.effect === 'allow' && inWindow(statement));
  if (allow !== undefined) return { effect: 'allow', reason: `statement:${allow.id}`, reasonKind: 'statement', changesAtMs };
  return { effect: 'deny', reason: 'default-deny', reasonKind: 'default_deny', changesAtMs };
}
