import { describe, expect, it } from 'vitest';
import { REQUIRED_CHECKS, schemathesisArgs } from './schemathesis-process.js';

const run = {
  executable: '/venv/bin/schemathesis',
  fuzzDir: '/repo/tools/hardening/fuzz',
  gatewayUrl: 'http://127.0.0.1:11580',
  user: { email: 'fuzz@example.com', password: 'p', accessToken: 't' },
  maxExamples: 25,
  reportDir: '/tmp/report',
};

describe('schemathesisArgs', () => {
  it('fuzzes the contract the gateway serves with the given budget and a JUnit report', () => {
    const args = schemathesisArgs({ ...run, checks: 'required', configFile: '/tmp/report/schemathesis.toml', seed: 7 });
    expect(args.slice(0, 5)).toEqual(['--config-file', '/tmp/report/schemathesis.toml', 'run', 'http://127.0.0.1:11580/openapi.json', '--url']);
    expect(args[args.indexOf('--checks') + 1]).toBe(REQUIRED_CHECKS.join(','));
    expect(args[args.indexOf('--max-examples') + 1]).toBe('25');
    expect(args[args.indexOf('--report-junit-path') + 1]).toBe('/tmp/report/junit.xml');
    expect(args[args.indexOf('--seed') + 1]).toBe('7');
    // One worker: CPython 3.11's compile() is not thread-safe (see docs/security/fuzzing.md).
    expect(args[args.indexOf('--workers') + 1]).toBe('1');
  });

  it('runs every check but the excluded ones when asked for all', () => {
    const args = schemathesisArgs({ ...run, checks: 'all', excludeChecks: ['positive_data_acceptance'] });
    expect(args[args.indexOf('--checks') + 1]).toBe('all');
    expect(args[args.indexOf('--exclude-checks') + 1]).toBe('positive_data_acceptance');
    expect(args).not.toContain('--seed');
    expect(args).not.toContain('--config-file');
  });
});
