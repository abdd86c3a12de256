import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** The checks every run makes at least; `all` adds the rest (see docs/security/fuzzing.md). */
export const REQUIRED_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
] as const;

export interface SchemathesisRun {
  /** The `schemathesis` executable (from tools/hardening/fuzz/venv.sh). */
  executable: string;
  /** tools/hardening/fuzz: holds hooks.py. */
  fuzzDir: string;
  /** A schemathesis.toml (fixed parameters); optional. */
  configFile?: string;
  gatewayUrl: string;
  user: { email: string; password: string; accessToken: string };
  /** Test cases per operation and phase (Schemathesis' --max-examples). */
  maxExamples: number;
  /** Where the JUnit report and the console log go. */
  reportDir: string;
  /** `required` (the five above) or `all`, less `excludeChecks`. */
  checks: 'required' | 'all';
  excludeChecks?: readonly string[];
  seed?: number;
  workers?: number;
}

/** The command line of one run, apart from the executable. */
export function schemathesisArgs(run: SchemathesisRun): string[] {
  return [
    ...(run.configFile ? ['--config-file', run.configFile] : []),
    'run',
    `${run.gatewayUrl}/openapi.json`,
    '--url',
    run.gatewayUrl,
    '--checks',
    run.checks === 'all' ? 'all' : REQUIRED_CHECKS.join(','),
    ...(run.excludeChecks && run.excludeChecks.length > 0 ? ['--exclude-checks', run.excludeChecks.join(',')] : []),
    '--max-examples',
    String(run.maxExamples),
    '--workers',
    String(run.workers ?? 1),
    '--report',
    'junit',
    '--report-junit-path',
    join(run.reportDir, 'junit.xml'),
    '--request-timeout',
    '30',
    '--continue-on-failure',
    '--no-color',
    ...(run.seed === undefined ? [] : ['--seed', String(run.seed)]),
  ];
}

/**
 * Runs Schemathesis to the end. Resolves with its exit code (0 clean, 1 failures found, else an
 * error of the run itself); the console output is kept in `<reportDir>/schemathesis.log`.
 */
export function runSchemathesis(run: SchemathesisRun): Promise<{ exitCode: number; logFile: string }> {
  const logFile = join(run.reportDir, 'schemathesis.log');
  const log = createWriteStream(logFile);
  return new Promise((resolve, reject) => {
    const child = spawn(run.executable, schemathesisArgs(run), {
      // Its cache (.schemathesis/) goes with the report, not into the work tree.
      cwd: run.reportDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: 'hooks',
        PYTHONPATH: run.fuzzDir,
        COFFER_FUZZ_BASE_URL: run.gatewayUrl,
        COFFER_FUZZ_EMAIL: run.user.email,
        COFFER_FUZZ_PASSWORD: run.user.password,
        COFFER_FUZZ_TOKEN: run.user.accessToken,
        NO_COLOR: '1',
        COLUMNS: '160',
      },
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      log.end(() => resolve({ exitCode: code ?? (signal ? 128 : 1), logFile }));
    });
  });
}
