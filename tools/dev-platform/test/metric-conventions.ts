import type { PrometheusFamily, PrometheusSample } from './prometheus-text.js';

/**
 * The conventions issue 8 sets for every metric family a Coffer service exposes (Prometheus
 * naming, complete histograms, allowlisted and bounded labels), as one check per family.
 */

/**
 * Every label name a Coffer metric may carry, and where it comes from. Each has a bounded set of
 * values; a label name not listed here fails the test until someone adds it with its bound.
 */
export const ALLOWED_LABEL_NAMES: ReadonlySet<string> = new Set([
  'service', // constant default label of every registry (createMetricsRegistry): eight values
  'le', // histogram bucket bound
  'quantile', // summary quantile
  'method', // HTTP method (http_server_*)
  'route', // route template or `unmatched`, never the raw path (http_server_*)
  'status_code', // HTTP status (http_server_*)
  'grpc_service', // fully qualified gRPC service from the .proto files
  'grpc_method', // gRPC method from the .proto files
  'grpc_code', // gRPC status code name
  'outcome', // closed enums: file_uploads_total, webhook_deliveries_total, audit_events_ingested_total, ...
  'reason', // closed enum: webhook_endpoints_disabled_total
  'class', // rate-limit route class: gateway_rate_limited_total
  'fail_mode', // open/closed: gateway_rate_limit_store_errors_total
  'detected_by', // read/scrub: file_integrity_failures_total
  'effect', // allow/deny: policy_decisions_total
  'reason_kind', // kind of a policy reason, never an id: policy_decisions_total
  'group', // consumer group, one per consuming service: event_consumer_lag_events
  'topic', // one topic per event domain: event_consumer_lag_events
  // prom-client's default process and Node.js metrics
  'kind', // nodejs_gc_duration_seconds: GC kind
  'type', // nodejs_active_{handles,requests,resources}: handle type
  'space', // nodejs_heap_space_size_*_bytes: V8 heap space
  'version', // nodejs_version_info
  'major', // nodejs_version_info
  'minor', // nodejs_version_info
  'patch', // nodejs_version_info
]);

/** The exact label names of the families Coffer defines (`le` of histograms not listed); checked whenever the family has samples. */
export const EXPECTED_LABELS: Readonly<Record<string, readonly string[]>> = {
  http_server_requests_total: ['service', 'method', 'route', 'status_code'],
  http_server_request_duration_seconds: ['service', 'method', 'route', 'status_code'],
  grpc_server_handled_total: ['service', 'grpc_service', 'grpc_method', 'grpc_code'],
  grpc_server_handling_seconds: ['service', 'grpc_service', 'grpc_method', 'grpc_code'],
  grpc_server_peer_denied_total: ['service', 'grpc_service', 'grpc_method'],
  grpc_client_handled_total: ['service', 'grpc_service', 'grpc_method', 'grpc_code'],
  grpc_client_handling_seconds: ['service', 'grpc_service', 'grpc_method', 'grpc_code'],
  gateway_rate_limited_total: ['service', 'class'],
  gateway_rate_limit_store_errors_total: ['service', 'fail_mode'],
  outbox_backlog_events: ['service'],
  event_consumer_lag_events: ['service', 'group', 'topic'],
  outbox_oldest_pending_age_seconds: ['service'],
  file_integrity_failures_total: ['service', 'detected_by'],
  file_uploaded_bytes_total: ['service'],
  file_downloaded_bytes_total: ['service'],
  file_uploads_total: ['service', 'outcome'],
  file_orphans_removed_total: ['service'],
  policy_decisions_total: ['service', 'effect', 'reason_kind'],
  policy_decision_cache_hits_total: ['service'],
  policy_decision_cache_misses_total: ['service'],
  audit_batch_write_seconds: ['service'],
  audit_events_ingested_total: ['service', 'outcome'],
  audit_chain_length: ['service'],
  webhook_deliveries_total: ['service', 'outcome'],
  auth_logins_total: ['service', 'outcome'],
  auth_refresh_reuse_detections_total: ['service'],
  webhook_delivery_duration_seconds: ['service', 'outcome'],
  webhook_dispatch_lag_seconds: ['service'],
  webhook_endpoints_disabled_total: ['service', 'reason'],
  webhook_queue_depth: ['service'],
  webhook_oldest_pending_age_seconds: ['service'],
};


/**
 * prom-client's default Node.js gauges that end in `_total` although they are not counters
 * (`nodejs_active_handles_total` is a count of handles now). Only these may break the rule.
 */
export const NON_COUNTER_TOTAL_ALLOWED: ReadonlySet<string> = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']);

/** Unit words that are not base units: time is in seconds and sizes in bytes (Prometheus naming). */
export const NON_BASE_UNITS: ReadonlySet<string> = new Set([
  'ms',
  'millis',
  'milliseconds',
  'us',
  'micros',
  'microseconds',
  'ns',
  'nanos',
  'nanoseconds',
  'minutes',
  'hours',
  'days',
  'kb',
  'kib',
  'kilobytes',
  'mb',
  'mib',
  'megabytes',
  'gb',
  'gib',
  'gigabytes',
  'bits',
  'percent',
]);

/** At most this many label combinations (buckets and quantiles not counted) per family. */
export const MAX_SERIES_PER_FAMILY = 200;

/** Label values that would make a family unbounded. */
export const UNBOUNDED_VALUES: ReadonlyArray<readonly [string, RegExp]> = [
  ['a UUID', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i],
  ['an email address', /[^\s@]+@[^\s@]+\.[^\s@]+/],
  ['a webhook message id', /msg_[A-Za-z0-9]/],
  ['a JWT', /eyJ[\w-]+\.[\w-]+/],
  ['a webhook secret', /whsec_/],
  ['a long hex id', /[0-9a-f]{24,}/i],
];

/** A sample's label set without the bucket/quantile label: one series of the family. */
export const seriesKey = (labels: Readonly<Record<string, string>>): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([name]) => name !== 'le' && name !== 'quantile')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Every rule the issue and the Prometheus naming conventions set for one family; returns what it breaks. */
export function familyProblems(service: string, family: PrometheusFamily): string[] {
  const problems: string[] = [];
  const at = `${service}: ${family.name}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(family.name)) problems.push(`${at}: name is not snake_case [a-z_][a-z0-9_]*`);
  if (family.help === undefined || family.help.trim() === '') problems.push(`${at}: no HELP`);
  if (family.type === undefined || family.type === 'untyped') problems.push(`${at}: no TYPE`);
  if (family.type === 'counter' && !family.name.endsWith('_total')) problems.push(`${at}: counter does not end in _total`);
  if (family.type !== 'counter' && family.name.endsWith('_total') && !NON_COUNTER_TOTAL_ALLOWED.has(family.name)) problems.push(`${at}: a ${family.type ?? 'untyped'} ends in _total`);
  for (const word of family.name.split('_')) if (NON_BASE_UNITS.has(word)) problems.push(`${at}: unit "${word}" is not a base unit (use _seconds or _bytes)`);

  const series = new Set<string>();
  for (const sample of family.samples) {
    series.add(seriesKey(sample.labels));
    if (sample.labels['service'] !== service) problems.push(`${at}: sample ${sample.name} has service="${sample.labels['service'] ?? ''}"`);
    for (const [name, value] of Object.entries(sample.labels)) {
      if (!ALLOWED_LABEL_NAMES.has(name)) problems.push(`${at}: label name "${name}" is not on the allowlist`);
      for (const [what, pattern] of UNBOUNDED_VALUES) if (pattern.test(value)) problems.push(`${at}: label ${name}="${value}" looks like ${what}`);
    }
    const expected = EXPECTED_LABELS[family.name];
    const names = Object.keys(sample.labels).filter((name) => name !== 'le' && name !== 'quantile');
    if (expected !== undefined && JSON.stringify([...names].sort()) !== JSON.stringify([...expected].sort())) {
      problems.push(`${at}: labels ${names.join(',')} instead of ${expected.join(',')}`);
    }
  }
  if (series.size > MAX_SERIES_PER_FAMILY) problems.push(`${at}: ${series.size} series (more than ${MAX_SERIES_PER_FAMILY})`);
  if (family.name === 'http_server_requests_total' || family.name === 'http_server_request_duration_seconds') {
    for (const sample of family.samples) {
      const route = sample.labels['route'] ?? '';
      if (route !== 'unmatched' && !route.startsWith('/')) problems.push(`${at}: route "${route}" is neither a template nor "unmatched"`);
    }
  }
  if (family.type === 'histogram') problems.push(...histogramProblems(at, family));
  if (family.type === 'counter' || family.type === 'gauge') {
    for (const sample of family.samples) if (sample.name !== family.name) problems.push(`${at}: stray sample ${sample.name}`);
    if (family.type === 'counter') for (const sample of family.samples) if (!(sample.value >= 0)) problems.push(`${at}: counter value ${sample.value}`);
  }
  return problems;
}

/** Histograms: per series, buckets with ascending `le` ending in +Inf, cumulative counts, _sum and _count; sensible bounds for the unit. */
function histogramProblems(at: string, family: PrometheusFamily): string[] {
  const problems: string[] = [];
  const bySeries = new Map<string, PrometheusSample[]>();
  for (const sample of family.samples) {
    if (![`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(sample.name)) problems.push(`${at}: stray sample ${sample.name}`);
    const key = seriesKey(sample.labels);
    bySeries.set(key, [...(bySeries.get(key) ?? []), sample]);
  }
  for (const [key, samples] of bySeries) {
    const buckets = samples.filter((sample) => sample.name === `${family.name}_bucket`);
    const sums = samples.filter((sample) => sample.name === `${family.name}_sum`);
    const counts = samples.filter((sample) => sample.name === `${family.name}_count`);
    if (buckets.some((bucket) => bucket.labels['le'] === undefined)) problems.push(`${at} ${key}: a bucket without le`);
    const bounds = buckets.map((bucket) => Number(bucket.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : bucket.labels['le']));
    if (bounds.at(-1) !== Number.POSITIVE_INFINITY) problems.push(`${at} ${key}: buckets do not end in le="+Inf"`);
    if (bounds.some((bound, index) => Number.isNaN(bound) || (index > 0 && bound <= (bounds[index - 1] ?? Number.NEGATIVE_INFINITY)))) problems.push(`${at} ${key}: le not ascending`);
    if (buckets.some((bucket, index) => index > 0 && bucket.value < (buckets[index - 1]?.value ?? 0))) problems.push(`${at} ${key}: bucket counts not cumulative`);
    if (sums.length !== 1 || counts.length !== 1) problems.push(`${at} ${key}: ${sums.length} _sum and ${counts.length} _count samples`);
    else if (buckets.at(-1)?.value !== counts[0]?.value) problems.push(`${at} ${key}: le="+Inf" bucket differs from _count`);
    const finite = bounds.filter((bound) => Number.isFinite(bound));
    const [smallest = Number.NaN, largest = Number.NaN] = [finite[0], finite.at(-1)];
    // Sensible: latency buckets reach from ~milliseconds to seconds; size buckets from ~1 KiB to ~1 MB.
    if (family.name.endsWith('_seconds') && (finite.length < 5 || smallest > 0.01 || largest < 1)) problems.push(`${at}: buckets ${finite.join(',')} do not span 10 ms to 1 s`);
    if (family.name.endsWith('_bytes') && (finite.length < 5 || smallest > 1024 || largest < 1_000_000)) problems.push(`${at}: buckets ${finite.join(',')} do not span 1 KiB to 1 MB`);
  }
  return problems;
}
