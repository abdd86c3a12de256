import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isUniqueViolation, runQuery, withTransaction, type Database } from '@coffer/db';
import { writeToOutbox } from '@coffer/outbox';
import { AppError } from '@coffer/platform';
import { linkCreatedEvent, linkRevokedEvent, shareGrantedEvent, shareRevokedEvent, type ChangeContext } from './policy-events.js';
import { GRANT_UNIQUE_INDEX, GRANTS_TABLE, LINKS_TABLE, POLICY_SCHEMA, STATEMENTS_TABLE } from './policy-migrations.js';
import { fileIdOf, type GrantPermission } from './policy-model.js';

/** A share as stored. */
export interface GrantRecord {
  readonly id: string;
  /** `file/<uuid>`. */
  readonly resource: string;
  readonly granteeId: string;
  readonly permission: GrantPermission;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | undefined;
  readonly revokedAt: Date | undefined;
}

/** What {@link PolicyRepository.createGrant} stores; already validated. */
export interface NewGrant {
  readonly resource: string;
  readonly granteeId: string;
  readonly permission: GrantPermission;
  readonly expiresAt: Date | undefined;
}

/** A policy statement as stored. */
export interface StatementRecord {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  readonly principals: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly notBefore: Date | undefined;
  readonly notAfter: Date | undefined;
  readonly description: string;
  readonly createdBy: string;
  readonly createdAt: Date;
}

/** What {@link PolicyRepository.putStatement} stores; already validated. */
export type NewStatement = Omit<StatementRecord, 'createdAt'>;

/** A share link as stored (the token itself is never stored). */
export interface LinkRecord {
  readonly id: string;
  readonly resource: string;
  readonly version: number;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | undefined;
}

/** What {@link PolicyRepository.createLink} stores; already validated. */
export interface NewLink {
  readonly resource: string;
  readonly version: number;
  readonly expiresAt: Date;
}

/** The outcome of revoking one grant or link. */
export type RevokeOutcome = 'revoked' | 'already-revoked' | 'not-found';

/**
 * Where grants, statements and links live. Every change that has an event writes it to the
 * outbox in the same transaction, so the event exists if and only if the change committed.
 * "Live" means not revoked and not expired at the repository clock's now.
 */
export interface PolicyRepository {
  /** The live grants of `granteeId` on `resource` (at most one, by the unique index). */
  liveGrantsOf(resource: string, granteeId: string): Promise<GrantRecord[]>;
  /**
   * Stores a grant, revoking (with a `share.revoked` event) any unrevoked grant of the same
   * grantee on the resource. Fails `invalid_argument` when the resource already has
   * `maxLiveGrants` live grants to other grantees, `conflict` when a concurrent call won.
   */
  createGrant(grant: NewGrant, change: ChangeContext, options: { readonly maxLiveGrants: number }): Promise<GrantRecord>;
  /** Revokes grant `grantId` when it is on `resource`. */
  revokeGrant(resource: string, grantId: string, change: ChangeContext): Promise<RevokeOutcome>;
  /** Live grants of a resource, oldest first. */
  listLiveGrants(resource: string): Promise<GrantRecord[]>;
  /** Distinct resources `granteeId` holds a live grant on with one of `permissions`, at most `limit`. */
  listGrantedResources(granteeId: string, permissions: readonly GrantPermission[], limit: number): Promise<string[]>;
  /** Revokes every unrevoked grant and link of a resource (purge); no events. Returns the counts. */
  revokeResource(resource: string): Promise<{ grants: number; links: number }>;
  /** Creates or replaces a statement. */
  putStatement(statement: NewStatement): Promise<StatementRecord>;
  /** Deletes a statement; false when there was none. */
  deleteStatement(id: string): Promise<boolean>;
  /** Every statement, by id. */
  listStatements(): Promise<StatementRecord[]>;
  /** Stores a link with a fresh id and writes `link.created`. */
  createLink(link: NewLink, change: ChangeContext): Promise<LinkRecord>;
  /** Revokes link `linkId` when it is on `resource`. */
  revokeLink(resource: string, linkId: string, change: ChangeContext): Promise<RevokeOutcome>;
  /** Live links of a resource, oldest first. */
  listLiveLinks(resource: string): Promise<LinkRecord[]>;
  /** The link with this id, revoked or not; undefined for an unknown or malformed id. */
  findLink(id: string): Promise<LinkRecord | undefined>;
}

/** Options of {@link KnexPolicyRepository}. */
export interface KnexPolicyRepositoryOptions {
  /** The clock for timestamps and liveness. Default: the system clock. */
  readonly now?: () => Date;
}

interface GrantRow {
  id: string;
  resource: string;
  grantee_id: string;
  permission: GrantPermission;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

interface StatementRow {
  id: string;
  effect: 'allow' | 'deny';
  principals: unknown;
  actions: unknown;
  resources: unknown;
  not_before: Date | null;
  not_after: Date | null;
  description: string;
  created_by: string;
  created_at: Date;
}

interface LinkRow {
  id: string;
  resource: string;
  version: number;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** {@link PolicyRepository} on PostgreSQL or PGlite (through knex), in the `policy` schema. */
export class KnexPolicyRepository implements PolicyRepository {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: KnexPolicyRepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async liveGrantsOf(resource: string, granteeId: string): Promise<GrantRecord[]> {
    if (!UUID.test(granteeId)) return [];
    const now = this.now();
    const rows = await runQuery<GrantRow[]>(this.db, (knex) => this.grants(knex).select('*').where({ resource, grantee_id: granteeId }).modify(live, now));
    return rows.map(toGrant);
  }

  async createGrant(grant: NewGrant, change: ChangeContext, options: { readonly maxLiveGrants: number }): Promise<GrantRecord> {
    const fileId = requireFileId(grant.resource);
    const now = this.now();
    try {
      return await withTransaction(this.db, async (trx) => {
        const replaced = await this.grants(trx)
          .update({ revoked_at: now, revoked_by: change.actorId })
          .where({ resource: grant.resource, grantee_id: grant.granteeId })
          .whereNull('revoked_at')
          .returning<GrantRow[]>('*');
        const others: { count: string | number }[] = await this.grants(trx).count({ count: '*' }).where('resource', grant.resource).modify(live, now);
        if (Number(others[0]?.count ?? 0) >= options.maxLiveGrants) {
          throw new AppError('invalid_argument', {
            detail: `grant: the resource already has the maximum of ${options.maxLiveGrants} live grants; revoke some first.`,
          });
        }
        const row: GrantRow = {
          id: randomUUID(),
          resource: grant.resource,
          grantee_id: grant.granteeId,
          permission: grant.permission,
          created_by: change.actorId,
          created_at: now,
          expires_at: grant.expiresAt ?? null,
          revoked_at: null,
          revoked_by: null,
        };
        const [inserted] = await this.grants(trx).insert(row).returning<GrantRow[]>('*');
        if (inserted === undefined) throw new Error('insert returned no row');
        const stored = toGrant(inserted);
        await writeToOutbox(trx, POLICY_SCHEMA, [
          // Only a replaced grant that still worked is news; an expired one ends silently.
          ...replaced
            .filter((old) => old.expires_at === null || old.expires_at > now)
            .map((old) => shareRevokedEvent({ id: old.id, fileId, granteeId: old.grantee_id }, change, now)),
          shareGrantedEvent({ id: stored.id, fileId, granteeId: stored.granteeId, permission: stored.permission, expiresAt: stored.expiresAt }, change, now),
        ]);
        return stored;
      });
    } catch (error) {
      if (isUniqueViolation(error, GRANT_UNIQUE_INDEX)) {
        throw new AppError('conflict', { detail: 'grant: a concurrent change to the same share won; try again.', cause: error });
      }
      throw error;
    }
  }

  async revokeGrant(resource: string, grantId: string, change: ChangeContext): Promise<RevokeOutcome> {
    if (!UUID.test(grantId)) return 'not-found';
    const fileId = requireFileId(resource);
    const now = this.now();
    return withTransaction(this.db, async (trx) => {
      const revoked = await this.grants(trx)
        .update({ revoked_at: now, revoked_by: change.actorId })
        .where({ id: grantId, resource })
        .whereNull('revoked_at')
        .returning<GrantRow[]>('*');
      const [row] = revoked;
      if (row === undefined) {
        const existing: { id: string } | undefined = await this.grants(trx).select<{ id: string }[]>('id').where({ id: grantId, resource }).first();
        return existing === undefined ? 'not-found' : 'already-revoked';
      }
      await writeToOutbox(trx, POLICY_SCHEMA, [shareRevokedEvent({ id: row.id, fileId, granteeId: row.grantee_id }, change, now)]);
      return 'revoked';
    });
  }

  async listLiveGrants(resource: string): Promise<GrantRecord[]> {
    const now = this.now();
    const rows = await runQuery<GrantRow[]>(this.db, (knex) =>
      this.grants(knex).select('*').where('resource', resource).modify(live, now).orderBy([{ column: 'created_at' }, { column: 'id' }]),
    );
    return rows.map(toGrant);
  }

  async listGrantedResources(granteeId: string, permissions: readonly GrantPermission[], limit: number): Promise<string[]> {
    if (!UUID.test(granteeId) || permissions.length === 0) return [];
    const now = this.now();
    const rows = await runQuery<{ resource: string }[]>(this.db, (knex) =>
      this.grants(knex).distinct('resource').where('grantee_id', granteeId).whereIn('permission', permissions).modify(live, now)
        .orderBy('resource')
        .limit(limit),
    );
    return rows.map((row) => row.resource);
  }

  async revokeResource(resource: string): Promise<{ grants: number; links: number }> {
    const now = this.now();
    return withTransaction(this.db, async (trx) => {
      const grants = await this.grants(trx).update({ revoked_at: now }).where('resource', resource).whereNull('revoked_at');
      const links = await this.links(trx).update({ revoked_at: now }).where('resource', resource).whereNull('revoked_at');
      return { grants, links };
    });
  }

  async putStatement(statement: NewStatement): Promise<StatementRecord> {
    const row = {
      id: statement.id,
      effect: statement.effect,
      principals: JSON.stringify(statement.principals),
      actions: JSON.stringify(statement.actions),
      resources: JSON.stringify(statement.resources),
      not_before: statement.notBefore ?? null,
      not_after: statement.notAfter ?? null,
      description: statement.description,
      created_by: statement.createdBy,
      created_at: this.now(),
    };
    const rows = await runQuery(this.db, (knex) =>
      this.statements(knex).insert(row).onConflict('id').merge().returning<StatementRow[]>('*'),
    );
    const [stored] = rows;
    if (stored === undefined) throw new Error('upsert returned no row');
    return toStatement(stored);
  }

  async deleteStatement(id: string): Promise<boolean> {
    const removed = await runQuery(this.db, (knex) => this.statements(knex).where('id', id).del());
    return removed > 0;
  }

  async listStatements(): Promise<StatementRecord[]> {
    const rows = await runQuery<StatementRow[]>(this.db, (knex) => this.statements(knex).select('*').orderByRaw('id collate "C"'));
    return rows.map(toStatement);
  }

  async createLink(link: NewLink, change: ChangeContext): Promise<LinkRecord> {
    const fileId = requireFileId(link.resource);
    const now = this.now();
    return withTransaction(this.db, async (trx) => {
      const row: LinkRow = {
        id: randomUUID(),
        resource: link.resource,
        version: link.version,
        created_by: change.actorId,
        created_at: now,
        expires_at: link.expiresAt,
        revoked_at: null,
        revoked_by: null,
      };
      const [inserted] = await this.links(trx).insert(row).returning<LinkRow[]>('*');
      if (inserted === undefined) throw new Error('insert returned no row');
      const stored = toLink(inserted);
      await writeToOutbox(trx, POLICY_SCHEMA, [linkCreatedEvent({ id: stored.id, fileId, version: stored.version, expiresAt: stored.expiresAt }, change, now)]);
      return stored;
    });
  }

  async revokeLink(resource: string, linkId: string, change: ChangeContext): Promise<RevokeOutcome> {
    if (!UUID.test(linkId)) return 'not-found';
    const fileId = requireFileId(resource);
    const now = this.now();
    return withTransaction(this.db, async (trx) => {
      const [row] = await this.links(trx)
        .update({ revoked_at: now, revoked_by: change.actorId })
        .where({ id: linkId, resource })
        .whereNull('revoked_at')
        .returning<LinkRow[]>('*');
      if (row === undefined) {
        const existing: { id: string } | undefined = await this.links(trx).select<{ id: string }[]>('id').where({ id: linkId, resource }).first();
        return existing === undefined ? 'not-found' : 'already-revoked';
      }
      await writeToOutbox(trx, POLICY_SCHEMA, [linkRevokedEvent({ id: row.id, fileId }, change, now)]);
      return 'revoked';
    });
  }

  async listLiveLinks(resource: string): Promise<LinkRecord[]> {
    const now = this.now();
    const rows = await runQuery<LinkRow[]>(this.db, (knex) =>
      this.links(knex)
        .select<LinkRow[]>('*')
        .where('resource', resource)
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .orderBy([{ column: 'created_at' }, { column: 'id' }]),
    );
    return rows.map(toLink);
  }

  async findLink(id: string): Promise<LinkRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await runQuery<LinkRow | undefined>(this.db, (knex) => this.links(knex).select('*').where('id', id).first());
    return row === undefined ? undefined : toLink(row);
  }

  private grants(knex: Knex): Knex.QueryBuilder<GrantRow> {
    return knex<GrantRow>(GRANTS_TABLE).withSchema(POLICY_SCHEMA);
  }

  private statements(knex: Knex): Knex.QueryBuilder<StatementRow> {
    return knex<StatementRow>(STATEMENTS_TABLE).withSchema(POLICY_SCHEMA);
  }

  private links(knex: Knex): Knex.QueryBuilder<LinkRow> {
    return knex<LinkRow>(LINKS_TABLE).withSchema(POLICY_SCHEMA);
  }
}

/** Restricts a grants query to live rows at `now`. */
function live(query: Knex.QueryBuilder, now: Date): void {
  void query.whereNull('revoked_at').where((where) => void where.whereNull('expires_at').orWhere('expires_at', '>', now));
}

function requireFileId(resource: string): string {
  const fileId = fileIdOf(resource);
  if (fileId === undefined) throw new AppError('invalid_argument', { detail: 'resource: must be file/<uuid>.' });
  return fileId;
}

function toGrant(row: GrantRow): GrantRecord {
  return Object.freeze({
    id: row.id,
    resource: row.resource,
    granteeId: row.grantee_id,
    permission: row.permission,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
  });
}

function stringList(value: unknown): readonly string[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error('a statement column does not hold a JSON array of strings');
  }
  return Object.freeze([...parsed]);
}

function toStatement(row: StatementRow): StatementRecord {
  return Object.freeze({
    id: row.id,
    effect: row.effect,
    principals: stringList(row.principals),
    actions: stringList(row.actions),
    resources: stringList(row.resources),
    notBefore: row.not_before ?? undefined,
    notAfter: row.not_after ?? undefined,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at,
  });
}

function toLink(row: LinkRow): LinkRecord {
  return Object.freeze({
    id: row.id,
    resource: row.resource,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at ?? undefined,
  });
}
