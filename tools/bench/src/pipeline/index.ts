import type { BenchResult } from '../bench-result.js';
import type { PipelineContext } from '../harness/bench-platform.js';
import { benchEventsIntoClickHouse } from './events-into-clickhouse.js';
import { benchGrpcOverMtls } from './grpc-mtls.js';
import { pipelineSettings } from './pipeline-settings.js';
import { benchWebhookDeliveries } from './webhook-deliveries.js';

/**
 * Items 6–8 of `make bench`: events into ClickHouse, webhook deliveries, internal gRPC over
 * mTLS, each beside a baseline measured in the same run. The order matters: gRPC first (it
 * leaves nothing behind), then webhooks, then events, whose backlogs also reach the webhook
 * service's intake. An item that fails is logged and left out; the others still run.
 */
export async function runPipelineBenchmarks(ctx: PipelineContext): Promise<BenchResult[]> {
  const settings = pipelineSettings();
  const results: BenchResult[] = [];
  const items: readonly [string, (ctx: PipelineContext, settings: ReturnType<typeof pipelineSettings>) => Promise<BenchResult[]>][] = [
    ['8: internal gRPC over mTLS', benchGrpcOverMtls],
    ['7: webhook deliveries', benchWebhookDeliveries],
    ['6: events into ClickHouse', benchEventsIntoClickHouse],
  ];
  for (const [name, run] of items) {
    const started = Date.now();
    try {
      results.push(...(await run(ctx, settings)));
      ctx.log(`${name}: done in ${((Date.now() - started) / 1_000).toFixed(0)} s`);
    } catch (error) {
      ctx.log(`${name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  return results;
}
