import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { healthV1, type restApi } from '@coffer/contracts';
import type { GrpcServiceName } from '@coffer/platform';

export type PlatformHealth = restApi.components['schemas']['PlatformHealth'];
export type ServiceHealth = restApi.components['schemas']['ServiceHealth'];

/** Asks every internal service whether it is serving. */
export interface PlatformHealthChecker {
  check(): Promise<PlatformHealth>;
}

/** Checks each service's coffer.health.v1.HealthService over mTLS gRPC, all at once, each with a deadline. */
export class GrpcPlatformHealthChecker implements PlatformHealthChecker {
  constructor(
    private readonly clients: ReadonlyMap<GrpcServiceName, healthV1.HealthServiceClient>,
    private readonly timeoutMs: number,
  ) {}

  async check(): Promise<PlatformHealth> {
    const entries = await Promise.all(
      [...this.clients].map(async ([name, client]) => [name, await this.checkOne(client)] as const),
    );
    const services = Object.fromEntries(entries);
    const allServing = entries.every(([, health]) => health.status === 'serving');
    return { status: allServing ? 'ok' : 'degraded', services };
  }

  private checkOne(client: healthV1.HealthServiceClient): Promise<ServiceHealth> {
    const started = performance.now();
    return new Promise((resolve) => {
      client.check({}, new Metadata(), { deadline: Date.now() + this.timeoutMs }, (error: ServiceError | null, response?: healthV1.CheckResponse) => {
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        if (error || !response) {
          resolve({ status: 'unreachable', latencyMs });
          return;
        }
        const serving = response.status === healthV1.ServingStatus.SERVING_STATUS_SERVING;
        resolve({
          status: serving ? 'serving' : 'not_serving',
          version: response.version,
          latencyMs,
          ...(serving ? {} : { failingChecks: response.failingChecks }),
        });
      });
    });
  }
}
