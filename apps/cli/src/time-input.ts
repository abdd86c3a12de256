import { usageError } from './cli-error.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90s`, `30m`, `12h`, `7d`, `2w` (or a combination: `1d12h`) → seconds; undefined if not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const match of trimmed.matchAll(/(\d+)([smhdw])/g)) seconds += Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  return seconds;
}

/** An absolute time: an ISO 8601 date or date-time (`2026-12-01`, `2026-12-01T10:00:00Z`). */
function parseAbsoluteTime(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return undefined;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `--expires`: a duration from now (`7d`) or an absolute time; must be in the future. Returns ISO 8601. */
export function parseExpiresAt(text: string, nowMs: number): string {
  const seconds = parseDurationSeconds(text);
  const date = seconds !== undefined ? new Date(nowMs + seconds * 1000) : parseAbsoluteTime(text);
  if (date === undefined) throw usageError(`--expires takes a duration (30m, 12h, 7d) or a date (2026-12-31T18:00:00Z), not "${text}"`);
  if (date.getTime() <= nowMs) throw usageError(`--expires must be in the future: "${text}"`);
  return date.toISOString();
}

/** `--expires` for a link: seconds from now, as the API takes it (60 s to 30 days). */
export function parseExpiresInSeconds(text: string, nowMs: number): number {
  const seconds = parseDurationSeconds(text) ?? Math.round((new Date(parseExpiresAt(text, nowMs)).getTime() - nowMs) / 1000);
  if (seconds < 60 || seconds > 30 * 86_400) throw usageError(`a link expires after 1m to 30d, not "${text}"`);
  return seconds;
}

/** An audit time filter: a duration ago (`1h` = one hour ago) or an absolute time. Returns ISO 8601. */
export function parseSince(text: string, nowMs: number, flag: string): string {
  const seconds = parseDurationSeconds(text);
  const date = seconds !== undefined ? new Date(nowMs - seconds * 1000) : parseAbsoluteTime(text);
  if (date === undefined) throw usageError(`${flag} takes a duration ago (15m, 1h, 7d) or a date (2026-11-26T10:00:00Z), not "${text}"`);
  return date.toISOString();
}
