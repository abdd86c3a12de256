/**
 * The exit codes of `coffer`, in one place: scripts branch on them, `coffer help exit-codes`
 * prints this table and apps/cli/README.md documents it. Never renumber one; add new codes at
 * the end.
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notSignedIn: 3,
  notFound: 4,
  forbidden: 5,
  conflict: 6,
  integrity: 7,
  unavailable: 8,
  rateLimited: 9,
  rejected: 10,
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;
export type ExitCode = (typeof EXIT_CODES)[ExitCodeName];

/** What each code means, in the order `coffer help` lists them. */
export const EXIT_CODE_MEANINGS: readonly { readonly code: ExitCode; readonly meaning: string }[] = [
  { code: EXIT_CODES.ok, meaning: 'success' },
  { code: EXIT_CODES.unexpected, meaning: 'unexpected error (a bug, or an answer the CLI does not understand)' },
  { code: EXIT_CODES.usage, meaning: 'usage error: unknown command or option, missing or invalid argument' },
  { code: EXIT_CODES.notSignedIn, meaning: 'not signed in, session expired or revoked, or wrong email/password (401)' },
  { code: EXIT_CODES.notFound, meaning: 'not found: no such file, share, webhook or session (404)' },
  { code: EXIT_CODES.forbidden, meaning: 'forbidden: signed in but not allowed (403)' },
  { code: EXIT_CODES.conflict, meaning: 'conflict: the resource changed or already exists (409, 412)' },
  { code: EXIT_CODES.integrity, meaning: 'integrity mismatch: downloaded bytes do not match their SHA-256' },
  { code: EXIT_CODES.unavailable, meaning: 'network error, timeout, or the server failed or is unavailable (5xx)' },
  { code: EXIT_CODES.rateLimited, meaning: 'rate limited: too many requests, try again later (429)' },
  { code: EXIT_CODES.rejected, meaning: 'the server rejected the request: invalid, too large, unsupported type or over quota (400, 413, 415, 416, 422)' },
  { code: EXIT_CODES.interrupted, meaning: 'interrupted (Ctrl-C)' },
];

/** The exit code for an HTTP status in an API problem answer. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401) return EXIT_CODES.notSignedIn;
  if (status === 403) return EXIT_CODES.forbidden;
  if (status === 404 || status === 410) return EXIT_CODES.notFound;
  if (status === 409 || status === 412) return EXIT_CODES.conflict;
  if (status === 429) return EXIT_CODES.rateLimited;
  if (status >= 500) return EXIT_CODES.unavailable;
  if (status >= 400) return EXIT_CODES.rejected;
  return EXIT_CODES.unexpected;
}
