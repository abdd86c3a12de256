import { LIMITS_OUT_OF_THE_WAY, startHardeningPlatform } from '../platform/hardening-platform.js';

/** Port offset of the contract-fuzzing platform (a whole hundred, see platform-ports.ts). */
export const FUZZ_PORT_OFFSET = 3_500;

/** Lifetime of the fuzz user's access token: the auth service's ceiling (COFFER_ACCESS_TOKEN_TTL_S ≤ 3600). */
export const FUZZ_ACCESS_TOKEN_TTL_S = 3_600;

export interface FuzzPlatform {
  readonly gatewayUrl: string;
  /** Stops the services, drops the database and removes the bucket with its objects. */
  stop(): Promise<void>;
}

/**
 * The whole platform on the production engines (PostgreSQL in a temporary database, S3 in a
 * bucket of its own, Kafka, Redis), with limits raised so the fuzzer meets the contract rather
 * than the rate limiter, and webhooks allowed to loopback only (the hooks point every generated
 * endpoint at 127.0.0.1:9, where nothing listens: no delivery leaves the machine).
 */
export async function startFuzzPlatform(options: { rootDir: string; portOffset?: number; onLine?: (line: string) => void }): Promise<FuzzPlatform> {
  const { platform, stop } = await startHardeningPlatform({
    rootDir: options.rootDir,
    portOffset: options.portOffset ?? FUZZ_PORT_OFFSET,
    name: 'fuzz',
    env: {
      ...LIMITS_OUT_OF_THE_WAY,
      COFFER_ACCESS_TOKEN_TTL_S: String(FUZZ_ACCESS_TOKEN_TTL_S),
      COFFER_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
      COFFER_WEBHOOK_RETRY_SCHEDULE: '0',
    },
    onLine: (_service, _stream, line) => options.onLine?.(line),
  });
  return { gatewayUrl: platform.gatewayUrl, stop };
}
