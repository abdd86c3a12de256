import { CofferApiError, CofferIntegrityError, CofferNetworkError } from '@coffer/sdk';
import { describe, expect, it } from 'vitest';
import { CliError, notSignedInError, usageError } from './cli-error.js';
import { reportError } from './error-report.js';

const apiError = (status: number, code: string, title: string, detail?: string) =>
  new CofferApiError({ status, problem: { type: 'about:blank', status, code, title, ...(detail === undefined ? {} : { detail }) } });

describe('reportError', () => {
  it('turns an API problem into one line with its code, and the exit code of its status', () => {
    const report = reportError(apiError(404, 'not_found', 'Not Found', 'No such file.'));
    expect(report).toMatchObject({ exitCode: 4, code: 'not_found', status: 404 });
    expect(report.message).toBe('Not Found: No such file. [not_found]');
    expect(report.message).not.toContain('\n');
  });

  it('tells a 401 to sign in again', () => {
    const report = reportError(apiError(401, 'invalid_credentials', 'Unauthorized'));
    expect(report.exitCode).toBe(3);
    expect(report.message).toContain('coffer login');
  });

  it.each([
    [403, 5],
    [409, 6],
    [412, 6],
    [429, 9],
    [503, 8],
    [413, 10],
  ])('maps status %i to exit code %i', (status, exitCode) => {
    expect(reportError(apiError(status, 'x', 'X')).exitCode).toBe(exitCode);
  });

  it('maps integrity and network failures', () => {
    expect(reportError(new CofferIntegrityError('bad', { expectedSha256: 'a'.repeat(64), actualSha256: 'b'.repeat(64) }))).toMatchObject({ exitCode: 7, code: 'integrity_mismatch' });
    expect(reportError(new CofferNetworkError('connect ECONNREFUSED 127.0.0.1:8080'))).toMatchObject({ exitCode: 8, code: 'network_error' });
  });

  it("keeps the CLI's own errors", () => {
    expect(reportError(usageError('missing argument'))).toMatchObject({ exitCode: 2, code: 'usage', message: 'missing argument' });
    expect(reportError(notSignedInError('work'))).toMatchObject({ exitCode: 3, code: 'not_signed_in' });
    expect(reportError(new CliError('x', 6, 'ambiguous'))).toMatchObject({ exitCode: 6 });
  });

  it('maps local file errors and anything else', () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' });
    expect(reportError(missing)).toMatchObject({ exitCode: 4, code: 'enoent' });
    expect(reportError(new Error('boom'))).toMatchObject({ exitCode: 1, code: 'unexpected', message: 'boom' });
    expect(reportError('weird')).toMatchObject({ exitCode: 1 });
  });

  it('maps an abort (Ctrl-C) to 130', () => {
    expect(reportError(new DOMException('aborted', 'AbortError')).exitCode).toBe(130);
  });
});
