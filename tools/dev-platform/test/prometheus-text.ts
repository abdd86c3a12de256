/** One sample line of the Prometheus text exposition format (version 0.0.4). */
export interface PrometheusSample {
  /** The sample's own name: `x_bucket`, `x_sum`, `x_count` for histograms, else the family name. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples that share a metric name, with what HELP and TYPE said about them. */
export interface PrometheusFamily {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: PrometheusSample[];
}

/** What a scrape held, and every line that broke the format (empty for a well-formed scrape). */
export interface PrometheusScrape {
  readonly families: ReadonlyMap<string, PrometheusFamily>;
  readonly errors: readonly string[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** Reads a label value between double quotes (the opening quote at `start`); returns it and the index after the closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let index = start + 1; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') return { value, end: index + 1 };
    if (char === '\\') {
      const escaped = text[index + 1];
      if (escaped === 'n') value += '\n';
      else if (escaped === '\\' || escaped === '"') value += escaped;
      else return undefined;
      index += 1;
    } else {
      value += char;
    }
  }
  return undefined;
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** Parses one sample line; undefined when it is not well formed. */
function parseSample(line: string): PrometheusSample | undefined {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  const labels: Record<string, string> = {};
  let rest = line.slice(name.length);
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (labelName === undefined || rest[labelName.length] !== '=' || rest[labelName.length + 1] !== '"') return undefined;
      const quoted = readQuoted(rest, labelName.length + 1);
      if (quoted === undefined || labelName in labels) return undefined;
      labels[labelName] = quoted.value;
      rest = rest.slice(quoted.end);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) return undefined;
    }
    rest = rest.slice(1);
  }
  const [valueText, timestamp, ...extra] = rest.trim().split(/\s+/);
  const value = valueText === undefined ? undefined : parseValue(valueText);
  if (value === undefined || extra.length > 0 || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) return undefined;
  return { name, labels, value };
}

/**
 * A small parser for the Prometheus text format, written for the tests so they do not trust the
 * library that produced the text: HELP and TYPE lines, samples with escaped label values, and
 * histogram/summary samples grouped under their family.
 */
export function parsePrometheusText(text: string): PrometheusScrape {
  const families = new Map<string, PrometheusFamily>();
  const errors: string[] = [];
  const family = (name: string): PrometheusFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, found);
    }
    return found;
  };
  /** The family a sample belongs to: its own name, or a histogram/summary it is a suffix of. */
  const familyOf = (sampleName: string): PrometheusFamily => {
    const exact = families.get(sampleName);
    if (exact !== undefined) return exact;
    for (const [type, suffixes] of Object.entries(SUFFIXES)) {
      for (const suffix of suffixes) {
        if (!sampleName.endsWith(suffix)) continue;
        const parent = families.get(sampleName.slice(0, -suffix.length));
        if (parent?.type === type) return parent;
      }
    }
    return family(sampleName);
  };

  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name = '', rest = ''] = meta;
      const target = family(name);
      if (keyword === 'HELP') {
        if (target.help !== undefined) errors.push(`second HELP for ${name}`);
        target.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      } else {
        if (target.type !== undefined) errors.push(`second TYPE for ${name}`);
        if (target.samples.length > 0) errors.push(`TYPE for ${name} after its samples`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) errors.push(`unknown TYPE ${rest} for ${name}`);
        target.type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = parseSample(line);
    if (sample === undefined) {
      errors.push(`unparseable line: ${line}`);
      continue;
    }
    familyOf(sample.name).samples.push(sample);
  }
  return { families, errors };
}
