import type { AckedShare, AckedUpload, WebhookHit } from '../workload/index.js';

/** One audit row as the store holds it (ClickHouse `audit_events`, or GET /v1/audit). */
export interface AuditRow {
  readonly id: string;
  readonly action: string;
  readonly subject: string;
  readonly timeMs: number;
}

/** What a download of an acknowledged file gave back after the run. */
export interface DownloadCheck {
  readonly status: number;
  readonly sha256: string;
}

export interface ReconcileInput {
  readonly uploads: readonly AckedUpload[];
  readonly shares: readonly AckedShare[];
  /** Times of acknowledged logins. */
  readonly logins: readonly number[];
  /** Login rows are matched by time: [from, to). */
  readonly window: { readonly from: number; readonly to: number };
  readonly downloads: ReadonlyMap<string, DownloadCheck>;
  readonly audit: readonly AuditRow[];
  readonly hooks: readonly WebhookHit[];
}

/** Losses and duplicates of one fault's acknowledged work; every count but the `acked` ones must be 0. */
export interface Reconciliation {
  readonly acked: { readonly uploads: number; readonly shares: number; readonly logins: number };
  readonly downloads: { readonly failed: number; readonly badDigest: number };
  readonly audit: {
    /** Acknowledged uploads/shares without their event in the audit trail. */
    readonly missing: number;
    /** Acknowledged uploads/shares whose action is there under more than one event id. */
    readonly duplicated: number;
    /** Acknowledged logins in the window minus audited ones, when positive. */
    readonly missingLogins: number;
  };
  readonly webhooks: {
    /** Acknowledged uploads/shares whose event never reached the receiver. */
    readonly missing: number;
    /** Subjects that got more than one distinct event of one type (a second event, not a redelivery). */
    readonly duplicated: number;
    /** Extra deliveries of one event (at-least-once redeliveries; reported, not a loss). */
    readonly redeliveries: number;
  };
  /** Examples of what was lost, for the report. */
  readonly examples: readonly string[];
}

const key = (action: string, subject: string) => `${action} ${subject}`;

/** Checks each acknowledged upload and share against downloads, the audit trail and the webhook receiver. */
export function reconcile(input: ReconcileInput): Reconciliation {
  const auditIds = new Map<string, Set<string>>();
  for (const row of input.audit) {
    const ids = auditIds.get(key(row.action, row.subject)) ?? new Set<string>();
    ids.add(row.id);
    auditIds.set(key(row.action, row.subject), ids);
  }
  const hookEvents = new Map<string, Set<string>>();
  const deliveriesByEvent = new Map<string, number>();
  for (const hit of input.hooks) {
    const events = hookEvents.get(key(hit.type, hit.subject)) ?? new Set<string>();
    events.add(hit.eventId);
    hookEvents.set(key(hit.type, hit.subject), events);
    deliveriesByEvent.set(hit.eventId, (deliveriesByEvent.get(hit.eventId) ?? 0) + 1);
  }
  const expected = [...input.uploads.map((u) => key('file.uploaded', u.id)), ...input.shares.map((s) => key('share.granted', s.fileId))];
  const examples: string[] = [];
  const example = (text: string) => {
    if (examples.length < 8) examples.push(text);
  };
  let auditMissing = 0;
  let auditDuplicated = 0;
  let hooksMissing = 0;
  let hooksDuplicated = 0;
  const wanted = new Set<string>();
  for (const k of expected) {
    const ids = auditIds.get(k)?.size ?? 0;
    if (ids === 0) {
      auditMissing += 1;
      example(`audit missing: ${k}`);
    } else if (ids > 1) {
      auditDuplicated += 1;
      example(`audit duplicated (${ids} ids): ${k}`);
    }
    const events = hookEvents.get(k);
    if (events === undefined) {
      hooksMissing += 1;
      example(`webhook missing: ${k}`);
    } else {
      if (events.size > 1) {
        hooksDuplicated += 1;
        example(`webhook duplicated (${events.size} events): ${k}`);
      }
      for (const id of events) wanted.add(id);
    }
  }
  const redeliveries = [...wanted].reduce((sum, id) => sum + Math.max(0, (deliveriesByEvent.get(id) ?? 0) - 1), 0);
  let failed = 0;
  let badDigest = 0;
  for (const upload of input.uploads) {
    const check = input.downloads.get(upload.id);
    if (check === undefined || check.status !== 200) {
      failed += 1;
      example(`download ${check?.status ?? 'not tried'}: ${upload.id}`);
    } else if (check.sha256 !== upload.sha256) {
      badDigest += 1;
      example(`bad digest: ${upload.id}`);
    }
  }
  const logins = input.logins.filter((at) => at >= input.window.from && at < input.window.to).length;
  const auditedLogins = new Set(input.audit.filter((row) => row.action === 'auth.login_succeeded' && row.timeMs >= input.window.from && row.timeMs < input.window.to).map((row) => row.id)).size;
  const missingLogins = Math.max(0, logins - auditedLogins);
  if (missingLogins > 0) example(`audit missing ${missingLogins} of ${logins} logins`);
  return {
    acked: { uploads: input.uploads.length, shares: input.shares.length, logins },
    downloads: { failed, badDigest },
    audit: { missing: auditMissing, duplicated: auditDuplicated, missingLogins },
    webhooks: { missing: hooksMissing, duplicated: hooksDuplicated, redeliveries },
    examples,
  };
}

/** Whether nothing acknowledged was lost or doubled. */
export function isClean(r: Reconciliation): boolean {
  return r.downloads.failed + r.downloads.badDigest + r.audit.missing + r.audit.duplicated + r.audit.missingLogins + r.webhooks.missing + r.webhooks.duplicated === 0;
}
