/**
 * `make harden`: the long part of the reliability and security suite (issue 11), on the real
 * engines. The fast part runs in `make test` (this project's `integration` target). Each part
 * writes its report under docs/security/; the process exits non-zero when any part found a
 * problem (a lost upload, event or webhook, a 5xx, a spec violation, an error rate ≥ 0.1 %).
 *
 *   node tools/hardening/dist/main.js [--only fuzz,faults,load] [--examples N] [--load-seconds S]
 */
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFaultInjection } from './faults/index.js';
import { describeFindings, runContractFuzz } from './fuzz/index.js';
import { MAX_ERROR_RATE, runSustainedLoad } from './load/index.js';

const PARTS = ['fuzz', 'faults', 'load'] as const;
type Part = (typeof PARTS)[number];

const log = (line: string): void => {
  process.stdout.write(`[harden ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

function parseOptions(argv: string[]): { parts: Set<Part>; examples: number; loadSeconds: number } {
  const { values } = parseArgs({
    args: argv,
    options: { only: { type: 'string' }, examples: { type: 'string', default: '200' }, 'load-seconds': { type: 'string', default: '600' } },
    strict: true,
  });
  const parts = new Set<Part>();
  for (const name of (values.only ?? PARTS.join(',')).split(',')) {
    if (!(PARTS as readonly string[]).includes(name)) throw new Error(`harden: unknown part "${name}" (parts: ${PARTS.join(', ')})`);
    parts.add(name as Part);
  }
  const examples = Number(values.examples);
  const loadSeconds = Number(values['load-seconds']);
  if (!Number.isInteger(examples) || examples < 1) throw new Error('harden: --examples must be a positive integer');
  if (!Number.isInteger(loadSeconds) || loadSeconds < 10) throw new Error('harden: --load-seconds must be an integer ≥ 10');
  return { parts, examples, loadSeconds };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const securityDocs = join(rootDir, 'docs', 'security');
  const problems: string[] = [];

  if (options.parts.has('fuzz')) {
    log(`contract fuzzing: Schemathesis, ${options.examples} examples per operation`);
    const result = await runContractFuzz({ rootDir, maxExamples: options.examples, reportDir: join(rootDir, '.coffer', 'hardening', 'fuzz') });
    log(`contract fuzzing: exit ${result.exitCode}; log in ${result.logFile}`);
    const findings = describeFindings(result);
    if (result.exitCode !== 0 || findings !== '') problems.push(`contract fuzzing: ${findings || `schemathesis exited ${result.exitCode}`}`);
  }
  if (options.parts.has('faults')) {
    log('fault injection: every engine and service, SIGKILL and SIGSTOP, under a mixed workload');
    const results = await runFaultInjection({
      rootDir,
      reportFile: join(securityDocs, 'fault-injection.md'),
      onResult: (result) => log(`fault ${result.signal} ${result.target}: ${result.clean ? 'clean' : 'NOT CLEAN'}`),
    });
    const unclean = results.filter((result) => !result.clean);
    if (unclean.length > 0) problems.push(`fault injection: not clean after ${unclean.map((result) => `${result.signal} ${result.target}`).join(', ')}`);
  }
  if (options.parts.has('load')) {
    log(`sustained load: ${options.loadSeconds} s of mixed workload at the highest rate under ${MAX_ERROR_RATE * 100} % errors`);
    const result = await runSustainedLoad({ rootDir, durationS: options.loadSeconds, reportFile: join(securityDocs, 'load.md') });
    log(`sustained load: ${result.requestsPerSecond} req/s, ${result.errors} errors of ${result.requests}`);
    if (result.requests === 0 || result.errors / result.requests >= MAX_ERROR_RATE || result.badDigests > 0 || result.unexpected5xx > 0 || !result.flat) {
      problems.push(`sustained load: ${result.errors} errors of ${result.requests}, ${result.badDigests} bad digests, ${result.unexpected5xx} 5xx, ${result.flat ? 'flat' : 'a service kept growing'}`);
    }
  }

  for (const problem of problems) log(`PROBLEM ${problem}`);
  log(problems.length === 0 ? 'all parts clean' : `${problems.length} part(s) found problems`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`harden: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
