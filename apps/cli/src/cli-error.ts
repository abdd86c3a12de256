import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/**
 * An error the CLI raises itself (as opposed to one the SDK raises): it carries the exit code
 * and a stable machine-readable `code` for `--json` error output.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error (exit code 2): unknown command or option, missing or invalid argument. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_CODES.usage, 'usage');
}

/** The profile has no tokens (exit code 3). */
export function notSignedInError(profile: string): CliError {
  return new CliError(`not signed in (profile "${profile}"): run \`coffer login\``, EXIT_CODES.notSignedIn, 'not_signed_in');
}

/** Something the user named does not exist (exit code 4). */
export function notFoundError(message: string): CliError {
  return new CliError(message, EXIT_CODES.notFound, 'not_found');
}
