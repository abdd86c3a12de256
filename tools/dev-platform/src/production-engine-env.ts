/** Where the real engines listen (the shape of @coffer/testing's EngineEndpoints that matters here). */
export interface ProductionEngines {
  readonly s3: { readonly endpoint: string; readonly region: string; readonly accessKey: string; readonly secretKey: string };
  readonly kafka: { readonly brokers: readonly string[] };
  readonly redis: { readonly url: string };
}

/**
 * The environment every service of a platform on the real engines gets: its PostgreSQL
 * database, an S3 bucket, Kafka, and Redis for sessions and rate limits. End-to-end tests and
 * the benchmarks add what they need on top (ClickHouse for audit rows, limits).
 *
 * The bucket name (unique per platform) is also the platform's event namespace: its topics
 * are `<bucket>.<domain>.v1` and its consumer groups `<bucket>.audit` and `<bucket>.webhook`,
 * so platforms started side by side on one broker never consume each other's events or join
 * each other's groups (docs/adr/0025-event-namespaces.md).
 */
export function productionEngineEnv(engines: ProductionEngines, place: { databaseUrl: string; bucket: string }): Record<string, string> {
  return {
    COFFER_DATABASE_URL: place.databaseUrl,
    COFFER_OBJECT_STORE_URL: `s3://${place.bucket}?endpoint=${encodeURIComponent(engines.s3.endpoint)}&region=${engines.s3.region}`,
    COFFER_S3_ACCESS_KEY: engines.s3.accessKey,
    COFFER_S3_SECRET_KEY: engines.s3.secretKey,
    COFFER_EVENT_BUS_URL: `kafka://${engines.kafka.brokers.join(',')}?namespace=${encodeURIComponent(place.bucket)}`,
    COFFER_RATE_LIMIT_URL: engines.redis.url,
    COFFER_SESSION_STORE_URL: engines.redis.url,
  };
}
