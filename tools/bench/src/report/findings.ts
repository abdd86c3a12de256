import type { BenchResult } from '../bench-result.js';
import { evaluateResult } from './evaluate-result.js';

/**
 * Where the time goes, from what was measured while writing the suite: CPU profiles of every
 * service under the same load (`node tools/bench/dist/main.js --quick --only N --cpu-prof DIR`,
 * summarised with `node tools/bench/dist/profile-summary.js`), request timings layer by layer,
 * and loopback micro-benchmarks. Keyed by result id prefix; printed when that result misses.
 */
const FINDINGS: readonly { readonly idPrefix: string; readonly text: string }[] = [
  {
    idPrefix: 'upload-large-s3',
    text:
      '**Large transfers (items 1 and 2).** Coffer moves every byte through one more process and one more protocol than the baseline: ' +
      'client → gateway (HTTP/1.1) → file service (gRPC: HTTP/2 over mutual TLS) → S3 server, where the minio client goes straight to the S3 server. ' +
      'The extra hop costs AES-GCM on both ends, HTTP/2 framing in 16 KiB DATA frames, and a 64 KiB per-stream flow-control window: ' +
      'grpc-js raises the window only on the client side (`grpc-node.flow_control_window`) and has no server option, so an upload (gateway → file service) waits for a WINDOW_UPDATE every 64 KiB. ' +
      'On this machine a loopback micro-benchmark moved 512 MiB through a plain TLS socket at 49 MiB/s but through Node’s HTTP/2 over TLS at 20–26 MiB/s (measured while other test suites loaded the machine: absolute values are low, the ratio is the point). ' +
      'The file service also computes SHA-256 and HMAC-SHA-256 over every byte on upload and again on download (COFFER_VERIFY_ON_READ): `Hash.update` was the file service’s largest JavaScript self-time entry in the transfer profile. ' +
      'The notes of items 1 and 2 give each service’s CPU seconds per GiB moved. In the development runs, on a loaded machine with 64 KiB messages, the file service took about 12 s and the gateway 8–10 s per GiB each way; with 512 KiB messages and a quiet machine the notes of this report show what they take now (the other services’ figures there are their background work over the same minutes, not per byte). The cost is spread over hashing, TLS, HTTP/2 framing and protobuf copies, not one hot function, on two cores that also run the S3 server and the load generator. ' +
      'Changed after the first profiles (all in this run): the gateway no longer leaks a drain/close listener per backpressure pause on a streamed download (apps/gateway/src/http/streamed-body.ts); ' +
      'byte streams between gateway and file service travel in 512 KiB gRPC messages (`coalesceChunks`, libs/platform/src/grpc/coalesce-chunks.ts) instead of one message per 16–64 KiB read; ' +
      'and every gRPC client opens a 1 MiB HTTP/2 receive window (`grpc-node.flow_control_window`, libs/platform/src/grpc/mtls.ts), so a relayed download no longer waits for a WINDOW_UPDATE every 64 KiB. ' +
      'Not changed: grpc-js has no server-side window option, so an upload still runs in a 64 KiB window; verify-on-read stays on for every full download (sampling it would trade integrity for speed, ADR 0016).',
  },
  {
    idPrefix: 'upload-large-filesystem',
    text:
      '**Filesystem store (item 1).** The raw baseline writes 1 MiB blocks into the page cache and pays one fdatasync at the end; Coffer pays the same gateway → file service gRPC/mTLS hop and the SHA-256 and HMAC passes as on S3, on a platform whose every database is PGlite (WebAssembly PostgreSQL inside each service). ' +
      'The gap is therefore the same hop as above plus a much faster baseline: the page cache absorbs the raw write at memory speed, so this ratio mostly measures the gRPC hop against memcpy.',
  },
  {
    idPrefix: 'download-4kib',
    text:
      '**Small requests (items 3–5): CPU per request, spread over a chain of processes.** The notes of items 3–5 give each service’s CPU time per request, measured from /proc over the Coffer runs. ' +
      'The notes of items 3–5 give each service’s CPU per request in this run; the development profiles (a loaded machine) showed the same order: file service, policy, gateway, metadata, then background consumers. Multiplied by the throughput, they also show how much of the two cores the chain used — the rest of each request is spent waiting for the next process in the chain, PostgreSQL and S3, and the load generator shares the same cores. ' +
      'The chain: a 4 KiB download is gateway (token, rate limit in Redis) → file service → metadata service (PostgreSQL) → policy service → S3 GET → integrity check; a metadata GET is gateway → file service → metadata service → policy service for the read decision → policy service three more times in parallel (`FileAccess.permissions` asks write/delete/share one call each; it used to re-ask the read decision too). ' +
      'So a metadata GET costs six gRPC calls over mutual TLS below the gateway (five after the change below), each paying TLS records, HTTP/2 frames, protobuf, the server interceptor, logging and tracing. ' +
      'The CPU profiles are flat (no function above a few per cent); the largest named entry in the policy and file services is `TLSSocket.getPeerCertificate`, called on every call by the server interceptor (libs/platform/src/grpc/server-interceptor.ts: `call.getAuthContext().sslPeerCertificate`), which re-parses the peer’s X.509 certificate each time. ' +
      'Changed: GetFile reuses the read decision it already has, so a metadata GET asks the policy service four times instead of five. ' +
      'What would help further (not changed): one AuthorizeMany RPC for the remaining three actions; remember the peer’s service name per HTTP/2 session instead of parsing the certificate per call (grpc-js does not expose the session to interceptors, and a cache keyed by address and port could hand one peer’s identity to the next connection on that port, so it was not done); and keep per-call logging at debug level on the internal hops.',
  },
  {
    idPrefix: 'upload-4kib',
    text:
      '**4 KiB uploads (item 4).** Besides the hops of a download, each upload is a new file: the file service writes the object, then the metadata service inserts the file row, checks the quota and writes an outbox row in one PostgreSQL transaction, and the outbox relay publishes the event to Kafka. The S3 baseline overwrites one of 64 keys and does none of this.',
  },
  {
    idPrefix: 'metadata-get',
    text:
      '**Metadata GETs (item 5).** The bare express baseline answers from the same process that parsed the request, for a fraction of a millisecond of CPU; the gateway answers after the chain described for small requests above (five gRPC calls below the gateway, one PostgreSQL query). The ratio is bounded by the CPU that chain costs, not by express.',
  },
  {
    idPrefix: 'events-',
    text:
      '**Events (item 6).** The first runs fed the audit ingestor one event per partition at a time (kafkajs `eachMessage`, waiting for the write before the next message): about 2 rows per ClickHouse INSERT and about 80 events/s, against 16 000/s for a batched consumer on the same broker. ' +
      'Now (ADR 0023) the bus hands a handler up to `maxInFlight` events of a partition at once over `eachBatch` and commits the finished prefix, and the ingestor fills a batch of up to 500 rows per INSERT. ' +
      'What remains per event is the audit chain: each row’s hash covers the previous row’s, so one ingestor writes in sequence, and each batch first asks ClickHouse which event ids it already holds (exactly-once on redelivery). ' +
      'The producing side is the outbox relays of the services that emit the events; the benchmark publishes straight to Kafka, so it measures the consumer.',
  },
  {
    idPrefix: 'webhook-',
    text:
      '**Webhooks (item 7).** Each delivery is a row in PostgreSQL, claimed with a lease (`FOR UPDATE SKIP LOCKED`), signed, sent over a pooled keep-alive connection and recorded: about three PostgreSQL round trips per delivery plus the fan-out transaction that created it, with 16 deliveries in flight per process (COFFER_WEBHOOK_CONCURRENCY). ' +
      'Changed: a success is now recorded in one statement (a CTE that also clears the endpoint’s failing state) instead of a four-statement transaction, and the intake fans out 64 events at once. ' +
      'The remaining cost is per-delivery database work and the dispatcher’s claim–send–record cycle; batching the success updates and claiming larger batches are the next steps. Delivery durability (nothing sent that is not recorded, nothing lost on a crash) was kept over raw rate.',
  },
];

/** The findings whose results missed their target in this run. */
export function findingsFor(results: readonly BenchResult[]): string[] {
  const missed = results.filter((result) => evaluateResult(result).met === false);
  const prefixes = (finding: (typeof FINDINGS)[number]) =>
    finding.idPrefix === 'upload-large-s3' ? ['upload-large-s3', 'download-large-s3'] : finding.idPrefix === 'download-4kib' ? ['download-4kib', 'metadata-get', 'upload-4kib'] : [finding.idPrefix];
  return FINDINGS.filter((finding) => missed.some((result) => prefixes(finding).some((prefix) => result.id.startsWith(prefix)))).map((finding) => finding.text);
}
