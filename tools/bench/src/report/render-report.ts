import type { BenchResult } from '../bench-result.js';
import type { Spread } from '../stats/statistics.js';
import { evaluateResult, type Evaluation } from './evaluate-result.js';

/** Where and how a run happened: the report's header and its "how to rerun". */
export interface RunDescription {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGiB: number; readonly kernel: string; readonly node: string; readonly loadAverage: string };
  /** Engine name → version string as the engine reports it. */
  readonly engines: Readonly<Record<string, string>>;
  /** How the platform was configured for the run (limits raised, and so on), one line each. */
  readonly setup: readonly string[];
  /** Method notes that hold for every section (warm-up, repetitions, load tool). */
  readonly method: readonly string[];
  /** Where the time goes, from profiles: paragraphs for the missed targets. */
  readonly findings: readonly string[];
  /** Sections that did not run, with why (e.g. `--only`, or a failure). */
  readonly skipped: readonly string[];
}

const SECTION_TITLES: Readonly<Record<number, string>> = {
  1: '1 GiB upload',
  2: '1 GiB download',
  3: '4 KiB authenticated downloads',
  4: '4 KiB uploads',
  5: 'Authenticated metadata GETs',
  6: 'Events into ClickHouse',
  7: 'Webhook deliveries',
  8: 'Internal gRPC over mTLS',
  9: 'Memory',
};

/** Three significant figures at most, without exponent notation and with thousands separated. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).replace(/^-/, '−');
}

function formatSpread(spreadOf: Spread | undefined): string {
  if (spreadOf === undefined || Number.isNaN(spreadOf.min)) return '—';
  if (spreadOf.min === spreadOf.max) return formatNumber(spreadOf.min);
  return `${formatNumber(spreadOf.min)}–${formatNumber(spreadOf.max)}`;
}

function formatTarget(result: BenchResult): string {
  const target = result.target;
  if (target === undefined) return '—';
  if (target.kind === 'ratio-at-least') return `ratio ≥ ${formatNumber(target.value)}`;
  return `${target.kind === 'at-most' ? '≤' : '≥'} ${formatNumber(target.value)} ${target.unit}`;
}

function formatMet(met: boolean | undefined): string {
  if (met === undefined) return '—';
  return met ? 'yes' : '**no**';
}

/** Pipes and line breaks would end a Markdown table cell early. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function sectionTable(evaluations: readonly Evaluation[]): string[] {
  const lines = [
    '| Measure | Coffer (median) | Baseline (median) | Ratio | Target | Met? | Spread Coffer / baseline (min–max) | Repetitions |',
    '|---|---:|---:|---:|---|:-:|---|---:|',
  ];
  for (const evaluation of evaluations) {
    const { result } = evaluation;
    const unit = result.coffer.unit;
    const baseline = result.baseline ? `${formatNumber(evaluation.baselineMedian)} ${result.baseline.series.unit} (${result.baseline.name})` : '—';
    const repetitions = result.baseline ? `${result.coffer.samples.length} / ${result.baseline.series.samples.length}` : String(result.coffer.samples.length);
    lines.push(
      `| ${cell(result.title)} | ${formatNumber(evaluation.cofferMedian)} ${unit} | ${cell(baseline)} | ${formatNumber(evaluation.ratio)} | ${formatTarget(result)} | ${formatMet(evaluation.met)} | ` +
        `${formatSpread(evaluation.cofferSpread)} / ${formatSpread(evaluation.baselineSpread)} | ${repetitions} |`,
    );
  }
  return lines;
}

/** docs/benchmarks.md: machine, versions, command, one table per section, where the time goes, how to rerun. */
export function renderReport(run: RunDescription, results: readonly BenchResult[]): string {
  const evaluations = results.map(evaluateResult);
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- THIS IS A GENERATED FILE. DO NOT EDIT: `make bench` (tools/bench) writes it; raw samples are in docs/benchmarks/results.json. -->',
    '',
    `Run ${run.startedAt} – ${run.finishedAt} (${Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000)} min)${run.quick ? ' with `--quick` (fewer repetitions, smaller sizes: for development, not for quoting)' : ''}.`,
    'Every Coffer figure stands beside its baseline measured in the same run; the ratio is Coffer ÷ baseline (medians).',
    '',
    '## Machine',
    '',
    `- CPU: ${run.machine.cpu}, ${run.machine.cores} cores`,
    `- Memory: ${formatNumber(run.machine.memoryGiB)} GiB`,
    `- Kernel: ${run.machine.kernel}`,
    `- Node.js: ${run.machine.node}`,
    `- Load average (1, 5, 15 min) when the run started: ${run.machine.loadAverage}`,
    ...Object.entries(run.engines).map(([name, version]) => `- ${name}: ${version}`),
    '',
    'Everything — the load generator, the eight services and the engines — shares this machine over loopback, so the load generator takes CPU from what it measures, on both sides of every ratio.',
    '',
    '## Command',
    '',
    '```sh',
    run.command,
    '```',
    '',
    '## Setup',
    '',
    ...run.setup.map((line) => `- ${line}`),
    '',
    '## Method',
    '',
    ...run.method.map((line) => `- ${line}`),
    '',
    '## Summary',
    '',
    '| # | Measure | Coffer | Baseline | Ratio | Target | Met? |',
    '|---|---|---:|---:|---:|---|:-:|',
    ...[...evaluations]
      .sort((a, b) => a.result.section - b.result.section)
      .filter((evaluation) => evaluation.result.target !== undefined)
      .map(
        ({ result, cofferMedian, baselineMedian, ratio, met }) =>
          `| ${result.section} | ${cell(result.title)} | ${formatNumber(cofferMedian)} ${result.coffer.unit} | ${baselineMedian === undefined ? '—' : `${formatNumber(baselineMedian)} ${result.baseline?.series.unit ?? ''}`} | ${formatNumber(ratio)} | ${formatTarget(result)} | ${formatMet(met)} |`,
      ),
    '',
  ];

  const sections = [...new Set(evaluations.map((evaluation) => evaluation.result.section))].sort((a, b) => a - b);
  for (const section of sections) {
    const inSection = evaluations.filter((evaluation) => evaluation.result.section === section);
    lines.push(`## ${section}. ${SECTION_TITLES[section] ?? `Section ${section}`}`, '', ...sectionTable(inSection), '');
    const notes = inSection.flatMap((evaluation) => (evaluation.result.notes ?? []).map((note) => `- ${evaluation.result.title}: ${note}`));
    if (notes.length > 0) lines.push(...notes, '');
  }

  if (run.skipped.length > 0) lines.push('## Not measured in this run', '', ...run.skipped.map((line) => `- ${line}`), '');

  const missed = evaluations.filter((evaluation) => evaluation.met === false);
  lines.push('## Where the time goes', '');
  if (missed.length === 0 && run.findings.length === 0) lines.push('Every target with a figure in this run was met.', '');
  if (missed.length > 0) {
    lines.push('Missed in this run:', '', ...missed.map(({ result, ratio, cofferMedian }) => `- ${cell(result.title)} (${ratio === undefined ? `${formatNumber(cofferMedian)} ${result.coffer.unit}` : `ratio ${formatNumber(ratio)}`}, target ${formatTarget(result)})`), '');
  }
  if (run.findings.length > 0) lines.push(...run.findings.flatMap((paragraph) => [paragraph, '']));

  lines.push(
    '## How to rerun',
    '',
    '```sh',
    'tools/engines/engines.sh up     # PostgreSQL, Redis, Kafka, S3 server, ClickHouse on loopback',
    'make bench                      # builds, runs every section (≈ 15 min), rewrites this file',
    'node tools/bench/dist/main.js --quick --only 3,5   # a quick look at some sections (not for quoting)',
    '```',
    '',
    'Nothing else should run on the machine meanwhile: the numbers are only comparable within one run.',
    '',
  );
  return lines.join('\n');
}
