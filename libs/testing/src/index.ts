/** @coffer/testing: where the real engines listen, and a guard that fails loudly when one is down. */
export {
  ENGINE_ENV_DEFAULTS,
  ENGINE_NAMES,
  defaultEngineEnvFile,
  engineAddress,
  findRepoRoot,
  loadEngineEndpoints,
  parseEnvFile,
  type EngineEndpoints,
  type EngineEnvKey,
  type EngineName,
  type LoadEngineEndpointsOptions,
} from './engine-endpoints.js';
export {
  EngineUnreachableError,
  describeError,
  requireEngine,
  type EngineProbe,
  type RequireEngineOptions,
} from './require-engine.js';
export { uniqueName } from './unique-name.js';
export { createTemporaryPostgresDatabase, type TemporaryPostgresDatabase } from './temporary-postgres-database.js';
export { TcpProxy } from './tcp-proxy.js';
export { requireKafka } from './require-kafka.js';
export { redisKeysUnder, type RedisKeyScanner } from './redis-keys.js';
export { PGLITE_START_TIMEOUT_MS } from './pglite-timeouts.js';
