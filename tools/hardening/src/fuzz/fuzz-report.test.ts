import { describe, expect, it } from 'vitest';
import { describeFindings, parseGeneratedCases, parseJunitReport, summarizeRun } from './fuzz-report.js';

// The shape Schemathesis 4 writes (--report junit): one test case per operation, failures quoting each failed check.
const JUNIT = `<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="1" failures="2" skipped="0" tests="4" time="12.5">
  <testsuite name="schemathesis" hostname="vm" errors="1" failures="2" skipped="0" tests="4" time="12.5">
    <testcase name="GET /v1/health" time="0.5" />
    <testcase name="GET /v1/links/{token}" time="1.2">
      <failure type="failure" message="ST201">1. Test Case ID: 5cSn5k

- ST201 Schema-violating request accepted

    Invalid data should have been rejected
    Invalid component: parameter \`Range\` in header - range: String larger than maxLength

[200] OK:

    \`seed &amp; content &lt;b&gt;\`</failure>
    </testcase>
    <testcase name="POST /v1/files" time="3.0">
      <failure type="failure" message="ST101">1. Test Case ID: abc123

- Server error

- ST101 Server error

- ST108 Response violates schema

    &apos;id&apos; is a required property

[500] Internal Server Error:</failure>
    </testcase>
    <testcase name="GET /v1/audit/export" time="0.1">
      <error type="error" message="Runtime Error">AST constructor recursion depth mismatch</error>
    </testcase>
    <testcase name="Stateful tests" time="1.8" />
  </testsuite>
</testsuites>`;

const CONSOLE = `Test cases:
  1739 generated, 1 found 1 unique failure, 26 skipped
`;

describe('parseJunitReport', () => {
  it('lists every operation and one finding per failed check, named by its check', () => {
    const report = parseJunitReport(JUNIT);
    expect(report.operations).toEqual(['GET /v1/health', 'GET /v1/links/{token}', 'POST /v1/files', 'GET /v1/audit/export', 'Stateful tests']);
    expect(report.findings).toEqual([
      { operation: 'GET /v1/links/{token}', code: 'ST201', check: 'negative_data_rejection', title: 'Schema-violating request accepted' },
      { operation: 'POST /v1/files', code: 'ST101', check: 'not_a_server_error', title: 'Server error' },
      { operation: 'POST /v1/files', code: 'ST108', check: 'response_schema_conformance', title: 'Response violates schema' },
    ]);
    expect(report.errors).toEqual([{ operation: 'GET /v1/audit/export', message: 'Runtime Error' }]);
  });

  it('finds nothing in a clean report', () => {
    expect(parseJunitReport('<testsuites><testsuite><testcase name="GET /v1/health" time="1" /></testsuite></testsuites>').findings).toEqual([]);
  });

  it('keeps a failure whose text names no code, under the code of its message', () => {
    const xml = '<testsuites><testsuite><testcase name="GET /x"><failure type="failure" message="ST999">something new</failure></testcase></testsuite></testsuites>';
    expect(parseJunitReport(xml).findings).toEqual([{ operation: 'GET /x', code: 'ST999', check: 'ST999', title: 'something new' }]);
  });
});

describe('summarizeRun', () => {
  it('counts operations (not stateful sequences), cases, failures by check and 5xx', () => {
    const counts = summarizeRun(JUNIT, CONSOLE);
    expect(counts.operations).toBe(4);
    expect(counts.cases).toBe(1739);
    expect(counts.failuresByCheck).toEqual({ negative_data_rejection: 1, not_a_server_error: 1, response_schema_conformance: 1 });
    expect(counts.serverErrors).toBe(1);
    expect(describeFindings(counts).split('\n')).toEqual([
      'GET /v1/links/{token}: negative_data_rejection (ST201 Schema-violating request accepted)',
      'POST /v1/files: not_a_server_error (ST101 Server error)',
      'POST /v1/files: response_schema_conformance (ST108 Response violates schema)',
      'GET /v1/audit/export: error: Runtime Error',
    ]);
  });

  it('reads no case count from output without a summary', () => {
    expect(parseGeneratedCases('schemathesis crashed')).toBeUndefined();
  });
});
