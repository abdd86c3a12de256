/**
 * Re-renders docs/benchmarks.md from docs/benchmarks/results.json without measuring again: for
 * a change to the report's layout or to the findings text (src/report/findings.ts). The
 * measurements, the run's description and its date stay those of the recorded run.
 *
 *   node tools/bench/dist/render.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench-result.js';
import { findingsFor } from './report/findings.js';
import { renderReport } from './report/render-report.js';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const resultsFile = join(rootDir, 'docs', 'benchmarks', 'results.json');
const recorded = JSON.parse(readFileSync(resultsFile, 'utf8')) as { run: Parameters<typeof renderReport>[0]; results: BenchResult[] };
const run = { ...recorded.run, findings: findingsFor(recorded.results) };
writeFileSync(join(rootDir, 'docs', 'benchmarks.md'), renderReport(run, recorded.results));
process.stdout.write(`re-rendered docs/benchmarks.md from ${recorded.results.length} recorded results\n`);
