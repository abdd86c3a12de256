import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startFuzzPlatform, FUZZ_PORT_OFFSET } from './fuzz-platform.js';
import { createFuzzResources, createFuzzUser } from './fuzz-user.js';
import { summarizeRun, type FuzzCounts } from './fuzz-report.js';
import { runSchemathesis } from './schemathesis-process.js';

export { describeFindings, parseJunitReport, summarizeRun, type FuzzCounts, type FuzzFinding } from './fuzz-report.js';
export { REQUIRED_CHECKS } from './schemathesis-process.js';

/**
 * Checks of `--checks all` left out, each for a reason (docs/security/fuzzing.md):
 * positive_data_acceptance flags every 4xx to a schema-valid request, but the services check
 * rules a JSON Schema cannot state (password strength, `fromTime` before `toTime`, a current
 * password that must match, an Idempotency-Key reused with another body, event types of the catalog).
 * ensure_resource_availability (stateful) reads a just-created file back by the id its link passes,
 * but the fixed `path.fileId` parameter below replaces that id with the seed file's, which an
 * earlier step may have trashed or purged: a 404 that says nothing about the API.
 */
export const EXCLUDED_CHECKS = ['positive_data_acceptance', 'ensure_resource_availability'] as const;

/**
 * Creates or reuses tools/hardening/fuzz/.venv (pinned Schemathesis from PyPI) and returns its
 * `schemathesis` executable. The first install takes minutes; later calls return at once.
 */
export function ensureSchemathesis(rootDir: string): string {
  return execFileSync(resolve(rootDir, 'tools/hardening/fuzz/venv.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface ContractFuzzOptions {
  /** Repository root. */
  rootDir: string;
  /** Test cases per operation and phase (Schemathesis' --max-examples). */
  maxExamples: number;
  /** Where the JUnit report and Schemathesis' console log are written. */
  reportDir: string;
  portOffset?: number;
  seed?: number;
  /** The `schemathesis` executable; default: {@link ensureSchemathesis}. */
  executable?: string;
  /** Receives the platform's log lines (default: dropped). */
  onPlatformLine?: (line: string) => void;
}

export interface ContractFuzzResult extends FuzzCounts {
  /** Schemathesis' exit code: 0 clean, 1 failures found. */
  readonly exitCode: number;
  readonly logFile: string;
}

/**
 * Contract fuzzing (issue 11): the whole platform on the production engines, one real user
 * signed up and logged in through the API, and Schemathesis over the contract the gateway
 * serves (GET /openapi.json, bundled from openapi/coffer.yaml), authenticated as that user.
 */
export async function runContractFuzz(options: ContractFuzzOptions): Promise<ContractFuzzResult> {
  const fuzzDir = resolve(options.rootDir, 'tools/hardening/fuzz');
  const executable = options.executable ?? ensureSchemathesis(options.rootDir);
  const reportDir = resolve(options.reportDir);
  mkdirSync(reportDir, { recursive: true });
  const platform = await startFuzzPlatform({
    rootDir: options.rootDir,
    portOffset: options.portOffset ?? FUZZ_PORT_OFFSET,
    ...(options.onPlatformLine ? { onLine: options.onPlatformLine } : {}),
  });
  try {
    const user = await createFuzzUser(platform.gatewayUrl);
    const resources = await createFuzzResources(platform.gatewayUrl, user.accessToken);
    // Real identifiers for the path parameters, so those operations get past 404.
    const configFile = join(reportDir, 'schemathesis.toml');
    writeFileSync(
      configFile,
      [
        '[parameters]',
        `"path.fileId" = ${JSON.stringify(resources.fileId)}`,
        `"path.linkId" = ${JSON.stringify(resources.linkId)}`,
        `"path.token" = ${JSON.stringify(resources.linkToken)}`,
        `"path.webhookId" = ${JSON.stringify(resources.webhookId)}`,
        '',
      ].join('\n'),
    );
    const { exitCode, logFile } = await runSchemathesis({
      executable,
      fuzzDir,
      configFile,
      gatewayUrl: platform.gatewayUrl,
      user,
      maxExamples: options.maxExamples,
      reportDir,
      checks: 'all',
      excludeChecks: EXCLUDED_CHECKS,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    const junit = join(reportDir, 'junit.xml');
    const log = readFileSync(logFile, 'utf8');
    let xml: string;
    try {
      xml = readFileSync(junit, 'utf8');
    } catch {
      throw new Error(`schemathesis exited ${exitCode} without a JUnit report; its output:\n${log.slice(-4000)}`);
    }
    return { ...summarizeRun(xml, log), exitCode, logFile };
  } finally {
    await platform.stop();
  }
}
