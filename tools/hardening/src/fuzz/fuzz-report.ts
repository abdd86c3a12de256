/**
 * Reads what Schemathesis leaves behind — its JUnit report (one test case per API operation,
 * each failure quoting `- STnnn Title` for every check that failed) and the summary of its
 * console output — into counts a test or `make harden` can judge.
 */

/** Schemathesis' failure codes (`st explain`), by the check that reports them. */
export const CHECK_OF_CODE: Readonly<Record<string, string>> = {
  ST101: 'not_a_server_error',
  ST102: 'not_a_server_error',
  ST103: 'status_code_conformance',
  ST104: 'content_type_conformance',
  ST105: 'content_type_conformance',
  ST106: 'content_type_conformance',
  ST107: 'response_headers_conformance',
  ST108: 'response_schema_conformance',
  ST109: 'response_schema_conformance',
  ST110: 'response_schema_conformance',
  ST111: 'response_schema_conformance',
  ST112: 'max_response_time',
  ST201: 'negative_data_rejection',
  ST202: 'positive_data_acceptance',
  ST203: 'missing_required_header',
  ST204: 'unsupported_method',
  ST205: 'allow_header_conformance',
  ST301: 'use_after_free',
  ST302: 'ensure_resource_availability',
  ST401: 'ignored_auth',
  ST402: 'object_level_authorization',
  ST901: 'custom',
};

export interface FuzzFinding {
  /** `GET /v1/files/{fileId}`, or `Stateful tests`. */
  readonly operation: string;
  readonly code: string;
  /** The check's name, or the code when Schemathesis added one this table does not know. */
  readonly check: string;
  readonly title: string;
}

export interface FuzzCounts {
  /** API operations tested. */
  readonly operations: number;
  /** Test cases generated (requests sent, before shrinking). */
  readonly cases: number;
  /** Every failed check, once per unique failure. */
  readonly findings: readonly FuzzFinding[];
  /** Failures by check name. */
  readonly failuresByCheck: Readonly<Record<string, number>>;
  /** Failures of not_a_server_error: answers 5xx. */
  readonly serverErrors: number;
  /** Errors of the run itself (a network error, a schema Schemathesis could not use), by operation. */
  readonly errors: readonly { operation: string; message: string }[];
}

const unescapeXml = (text: string): string =>
  text.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_whole, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[name] ?? '';
  });

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match?.[1] === undefined ? undefined : unescapeXml(match[1]);
};

/** The findings and errors in a Schemathesis JUnit report. */
export function parseJunitReport(xml: string): { operations: string[]; findings: FuzzFinding[]; errors: { operation: string; message: string }[] } {
  const operations: string[] = [];
  const findings: FuzzFinding[] = [];
  const errors: { operation: string; message: string }[] = [];
  for (const testcase of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const operation = attribute(testcase[1] ?? '', 'name') ?? '(unnamed)';
    operations.push(operation);
    const body = testcase[2] ?? '';
    for (const element of body.matchAll(/<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
      const text = unescapeXml(element[3] ?? '');
      if (element[1] === 'error') {
        errors.push({ operation, message: (attribute(element[2] ?? '', 'message') ?? text).trim().slice(0, 500) || text.trim().slice(0, 500) });
        continue;
      }
      const codes = [...text.matchAll(/^- (ST\d{3}) (.+)$/gm)];
      if (codes.length === 0) {
        const code = attribute(element[2] ?? '', 'message') ?? 'unknown';
        findings.push({ operation, code, check: CHECK_OF_CODE[code] ?? code, title: text.trim().split('\n')[0] ?? '' });
      }
      for (const [, code = '', title = ''] of codes) findings.push({ operation, code, check: CHECK_OF_CODE[code] ?? code, title: title.trim() });
    }
  }
  return { operations, findings, errors };
}

/** Test cases generated, from the summary of Schemathesis' console output (`N generated, …`). */
export function parseGeneratedCases(consoleLog: string): number | undefined {
  const match = /^\s*(\d+) generated\b/m.exec(consoleLog);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Counts for one run; stateful sequences are not an operation. */
export function summarizeRun(junitXml: string, consoleLog: string): FuzzCounts {
  const { operations, findings, errors } = parseJunitReport(junitXml);
  const failuresByCheck: Record<string, number> = {};
  for (const finding of findings) failuresByCheck[finding.check] = (failuresByCheck[finding.check] ?? 0) + 1;
  return {
    operations: operations.filter((name) => /^[A-Z]+ \//.test(name)).length,
    cases: parseGeneratedCases(consoleLog) ?? 0,
    findings,
    failuresByCheck,
    serverErrors: failuresByCheck['not_a_server_error'] ?? 0,
    errors,
  };
}

/** One line per finding, for a test failure message or `make harden`'s output. */
export function describeFindings(counts: FuzzCounts): string {
  return [
    ...counts.findings.map((finding) => `${finding.operation}: ${finding.check} (${finding.code} ${finding.title})`),
    ...counts.errors.map((error) => `${error.operation}: error: ${error.message}`),
  ].join('\n');
}
