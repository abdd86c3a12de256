import type { AuditRow } from '../chain/audit-record.js';

/** The columns of a CSV export, in order (also the header row). */
export const CSV_COLUMNS = ['seq', 'id', 'time', 'type', 'source', 'actor_id', 'subject', 'owner_id', 'action', 'outcome', 'traceparent', 'data_json', 'hash'] as const;

/** One audit row as the public JSON shape of an export line. */
export function exportObject(row: AuditRow): Record<string, string | number> {
  return {
    seq: row.seq,
    id: row.id,
    time: new Date(row.timeMs).toISOString(),
    type: row.type,
    source: row.source,
    actor_id: row.actorId,
    subject: row.subject,
    owner_id: row.ownerId,
    action: row.action,
    outcome: row.outcome,
    traceparent: row.traceparent,
    data_json: row.dataJson,
    hash: row.hash,
  };
}

/** One NDJSON line (with its newline). */
export function ndjsonLine(row: AuditRow): string {
  return `${JSON.stringify(exportObject(row))}\n`;
}

/**
 * Characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula
 * when they come first: `=`, `+`, `-`, `@`, TAB and CR (OWASP, "CSV Injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * An RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled.
 *
 * Text that starts like a formula is neutralised first with a leading `'` (threat AUD-6: a user
 * names a file `=HYPERLINK(…)` and the administrator who opens the export runs it). This applies
 * to every string cell, not only the user-controlled columns, because no legitimate string column
 * starts with one of those characters (ids, ISO timestamps, event types, hashes, `traceparent`
 * and the `{`-led `data_json` never do). Numbers are written as numbers and are never prefixed,
 * so `-2` passed as a number stays `-2`. The CSV is therefore a display format: a neutralised
 * cell reads `'=…`; the exact stored values (for re-hashing the chain) are in the NDJSON export.
 */
export function csvField(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV header row (CRLF-terminated, as RFC 4180 says). */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One CSV record (CRLF-terminated). */
export function csvLine(row: AuditRow): string {
  const object = exportObject(row);
  return `${CSV_COLUMNS.map((column) => csvField(object[column] ?? '')).join(',')}\r\n`;
}
