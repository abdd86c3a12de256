import { describe, expect, it } from 'vitest';
import { familyProblems } from './metric-conventions.js';
import { parsePrometheusText } from './prometheus-text.js';

/** The checks the observability end-to-end test runs, on hand-written scrapes: each rule must catch what it is for. */
const problemsOf = (text: string): string[] => {
  const scraped = parsePrometheusText(text);
  return [...scraped.errors, ...[...scraped.families.values()].flatMap((family) => familyProblems('file', family))];
};

const GOOD = [
  '# HELP file_uploads_total Uploads by outcome.',
  '# TYPE file_uploads_total counter',
  'file_uploads_total{outcome="created",service="file"} 3',
  '# HELP grpc_server_handling_seconds Time to handle an RPC.',
  '# TYPE grpc_server_handling_seconds histogram',
  ...['0.001', '0.01', '0.1', '1', '10', '+Inf'].map((le, index) => `grpc_server_handling_seconds_bucket{le="${le}",service="file",grpc_service="coffer.file.v1.FileService",grpc_method="Upload",grpc_code="OK"} ${index + 1}`),
  'grpc_server_handling_seconds_sum{service="file",grpc_service="coffer.file.v1.FileService",grpc_method="Upload",grpc_code="OK"} 0.5',
  'grpc_server_handling_seconds_count{service="file",grpc_service="coffer.file.v1.FileService",grpc_method="Upload",grpc_code="OK"} 6',
  '',
].join('\n');

describe('metric conventions (the checker of observability.e2e.test.ts)', () => {
  it('accepts a well-formed scrape and parses escaped label values', () => {
    expect(problemsOf(GOOD)).toEqual([]);
    const scraped = parsePrometheusText('# HELP x_total X.\n# TYPE x_total counter\nx_total{service="file",reason="a \\"b\\"\\\\c"} 1 1700000000000\n');
    expect(scraped.families.get('x_total')?.samples[0]?.labels['reason']).toBe('a "b"\\c');
  });

  it.each([
    ['a label name off the allowlist', '# HELP file_uploads_total U.\n# TYPE file_uploads_total counter\nfile_uploads_total{service="file",outcome="created",tenant="t1"} 1', /label name "tenant"/],
    ['a user id in a label', '# HELP x_total X.\n# TYPE x_total counter\nx_total{service="file",outcome="0182fcdd-eab3-4829-89ab-2e190cb7420b"} 1', /looks like a UUID/],
    ['an email in a label', '# HELP x_total X.\n# TYPE x_total counter\nx_total{service="file",outcome="ada@example.com"} 1', /email/],
    ['a webhook message id in a label', '# HELP x_total X.\n# TYPE x_total counter\nx_total{service="file",outcome="msg_2abc"} 1', /message id/],
    ['a counter without _total', '# HELP file_uploads U.\n# TYPE file_uploads counter\nfile_uploads{service="file"} 1', /does not end in _total/],
    ['milliseconds', '# HELP file_upload_ms U.\n# TYPE file_upload_ms gauge\nfile_upload_ms{service="file"} 1', /not a base unit/],
    ['no HELP', '# TYPE file_size_bytes gauge\nfile_size_bytes{service="file"} 1', /no HELP/],
    ['no TYPE', '# HELP file_size_bytes S.\nfile_size_bytes{service="file"} 1', /no TYPE/],
    ['a camelCase name', '# HELP fileSize_bytes S.\n# TYPE fileSize_bytes gauge\nfileSize_bytes{service="file"} 1', /snake_case/],
    ['another service label', '# HELP file_size_bytes S.\n# TYPE file_size_bytes gauge\nfile_size_bytes{service="auth"} 1', /service="auth"/],
    ['a histogram without +Inf', '# HELP a_seconds A.\n# TYPE a_seconds histogram\na_seconds_bucket{service="file",le="1"} 1\na_seconds_sum{service="file"} 1\na_seconds_count{service="file"} 1', /\+Inf/],
    ['a changed label set', '# HELP file_uploads_total U.\n# TYPE file_uploads_total counter\nfile_uploads_total{service="file"} 1', /instead of/],
    ['a malformed line', '# HELP x_total X.\n# TYPE x_total counter\nx_total{service="file" 1', /unparseable/],
  ])('rejects %s', (_rule, text, expected) => {
    expect(problemsOf(text).join('\n')).toMatch(expected);
  });

  it('rejects a family with more than 200 series', () => {
    const lines = Array.from({ length: 201 }, (_, index) => `x_total{service="file",outcome="o${index}"} 1`);
    expect(problemsOf(`# HELP x_total X.\n# TYPE x_total counter\n${lines.join('\n')}\n`).join('\n')).toMatch(/201 series/);
  });
});
