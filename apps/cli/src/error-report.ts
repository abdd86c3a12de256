import { CofferApiError, CofferIntegrityError, CofferNetworkError } from '@coffer/sdk';
import { CliError } from './cli-error.js';
import { EXIT_CODES, exitCodeForStatus, type ExitCode } from './exit-codes.js';

/** How a failure is shown: one line on stderr (or one JSON object with --json) and an exit code. */
export interface ErrorReport {
  readonly exitCode: ExitCode;
  /** Stable machine-readable code: the API problem's `code`, or the CLI's own. */
  readonly code: string;
  /** One line for a person. */
  readonly message: string;
  readonly status?: number | undefined;
  readonly requestId?: string | undefined;
}

/** Turns anything thrown into a report. Never includes a stack trace (main adds it for --debug). */
export function reportError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.code, message: error.message };
  if (error instanceof CofferApiError) {
    const exitCode = exitCodeForStatus(error.status);
    const hint = error.status === 401 ? ' (run `coffer login`)' : '';
    const retry = error.status === 429 && error.retryAfterSeconds !== undefined ? ` (retry in ${error.retryAfterSeconds} s)` : '';
    return {
      exitCode,
      code: error.code,
      message: `${error.title}${error.detail && error.detail !== error.title ? `: ${error.detail}` : ''}${hint}${retry} [${error.code}]`,
      status: error.status,
      requestId: error.requestId,
    };
  }
  if (error instanceof CofferIntegrityError) {
    return {
      exitCode: EXIT_CODES.integrity,
      code: 'integrity_mismatch',
      message: `integrity check failed: expected SHA-256 ${error.expectedSha256}, got ${error.actualSha256}`,
    };
  }
  if (error instanceof CofferNetworkError) return { exitCode: EXIT_CODES.unavailable, code: 'network_error', message: `cannot reach the server: ${error.message}` };
  if (isAbort(error)) return { exitCode: EXIT_CODES.interrupted, code: 'interrupted', message: 'interrupted' };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof Error && typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) {
    // Local file-system errors (ENOENT, EACCES, EISDIR...): the message names the path.
    const exitCode = errno === 'ENOENT' ? EXIT_CODES.notFound : errno === 'EACCES' || errno === 'EPERM' ? EXIT_CODES.forbidden : EXIT_CODES.unexpected;
    return { exitCode, code: errno.toLowerCase(), message: error.message };
  }
  return { exitCode: EXIT_CODES.unexpected, code: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as NodeJS.ErrnoException).code === 'ABORT_ERR');
}
