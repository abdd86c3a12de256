import { join } from 'node:path';
import { z } from 'zod';
import { parseDatabaseUrl } from '@coffer/db';
import { checkEventBusUrl } from '@coffer/events';
import { ConfigError, loadConfig, loadServiceConfig, type ServiceConfig } from '@coffer/platform';
import { parseRetrySchedule } from './dispatch/retry-schedule.js';
import { outboxEnvShape, outboxSettingsOf, type OutboxRelaySettings } from '@coffer/outbox';

/** Settings of the webhook service beyond those every service has. Parsed once, then frozen. */
export interface WebhookConfig extends ServiceConfig {
  /** `postgres://…`, `pglite://memory` (default) or `pglite:///dir` (COFFER_DATABASE_URL). */
  readonly databaseUrl: string;
  /**
   * COFFER_EVENT_BUS_URL. `kafka://…`: the service consumes every event topic (group `webhook`)
   * and publishes its own events there. `peer://audit,webhook` (make dev): events arrive through
   * the PublishEvents RPC and its own go to the audit service. `embedded://`: this process only.
   */
  readonly eventBusUrl: string;
  /**
   * The key ring that seals signing secrets at rest (COFFER_WEBHOOK_KEYS_FILE, else
   * `<COFFER_DATA_DIR>/webhook/secret-keys.json`; neither: an ephemeral ring, development only).
   */
  readonly keysFile: string | undefined;
  readonly delivery: {
    /** Delay before each attempt, first attempt first (COFFER_WEBHOOK_RETRY_SCHEDULE: `0,5s,5m,30m,2h,5h,10h,14h,20h,24h`). */
    readonly scheduleMs: readonly number[];
    /** Per-request timeout, connect included (COFFER_WEBHOOK_TIMEOUT_MS, 10 s). */
    readonly timeoutMs: number;
    /** Response bytes read at most (COFFER_WEBHOOK_MAX_RESPONSE_BYTES, 64 KiB). */
    readonly maxResponseBytes: number;
    /** Deliveries in flight per process (COFFER_WEBHOOK_CONCURRENCY, 16). */
    readonly concurrency: number;
    /** Pause of an idle worker between looks for due deliveries (COFFER_WEBHOOK_POLL_INTERVAL_MS, 250 ms). */
    readonly pollIntervalMs: number;
    /** An endpoint failing without a success for this long is disabled (COFFER_WEBHOOK_DISABLE_AFTER_MS, 5 days). */
    readonly disableAfterMs: number;
    /** CIDRs allowed although private, loopback, etc. (COFFER_WEBHOOK_ALLOWED_NETWORKS, comma list; default none). */
    readonly allowedNetworks: readonly string[];
    /** Whether http:// endpoints are accepted (COFFER_WEBHOOK_ALLOW_HTTP, default false: https only). */
    readonly allowHttp: boolean;
  };
  /** Subscriptions one user may have (COFFER_WEBHOOK_MAX_SUBSCRIPTIONS_PER_USER, 25). */
  readonly maxSubscriptionsPerUser: number;
  /** The outbox relay's settings (COFFER_OUTBOX_*, libs/outbox). */
  readonly outbox: OutboxRelaySettings;
}

const MAX_TIMER_MS = 2_147_483_647;

const webhookSchema = z.object({
  COFFER_DATABASE_URL: z.string().min(1).default('pglite://memory'),
  COFFER_EVENT_BUS_URL: z.string().min(1).default('embedded://'),
  COFFER_DATA_DIR: z.string().min(1).optional(),
  COFFER_WEBHOOK_KEYS_FILE: z.string().min(1).optional(),
  COFFER_WEBHOOK_RETRY_SCHEDULE: z.string().default('0,5s,5m,30m,2h,5h,10h,14h,20h,24h'),
  COFFER_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  COFFER_WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(16 * 1024 * 1024).default(64 * 1024),
  COFFER_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  COFFER_WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  COFFER_WEBHOOK_DISABLE_AFTER_MS: z.coerce.number().int().min(1_000).max(90 * 86_400_000).default(5 * 86_400_000),
  COFFER_WEBHOOK_ALLOWED_NETWORKS: z.string().default(''),
  COFFER_WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  COFFER_WEBHOOK_MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(25),
  ...outboxEnvShape,
});

const CIDR = /^[0-9a-fA-F:.]+\/[0-9]{1,3}$/;

/** Loads the webhook service's settings from the environment (and COFFER_CONFIG_FILE). */
export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const own = loadConfig(webhookSchema, env);
  const problems: string[] = [];
  try {
    parseDatabaseUrl(own.COFFER_DATABASE_URL);
  } catch (error) {
    problems.push(`COFFER_DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  checkEventBusUrl(own.COFFER_EVENT_BUS_URL, problems);
  let scheduleMs: readonly number[] = [];
  try {
    scheduleMs = parseRetrySchedule(own.COFFER_WEBHOOK_RETRY_SCHEDULE);
  } catch (error) {
    problems.push(`COFFER_WEBHOOK_RETRY_SCHEDULE: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (scheduleMs.some((ms) => ms > MAX_TIMER_MS)) problems.push('COFFER_WEBHOOK_RETRY_SCHEDULE: a delay may be at most 24 days.');
  const allowedNetworks = own.COFFER_WEBHOOK_ALLOWED_NETWORKS.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const network of allowedNetworks) if (!CIDR.test(network)) problems.push(`COFFER_WEBHOOK_ALLOWED_NETWORKS: ${JSON.stringify(network)} is not an address/prefix (CIDR).`);
  const outbox = outboxSettingsOf(own, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    ...loadServiceConfig('webhook', env),
    databaseUrl: own.COFFER_DATABASE_URL,
    eventBusUrl: own.COFFER_EVENT_BUS_URL,
    keysFile: own.COFFER_WEBHOOK_KEYS_FILE ?? (own.COFFER_DATA_DIR === undefined ? undefined : join(own.COFFER_DATA_DIR, 'webhook', 'secret-keys.json')),
    delivery: Object.freeze({
      scheduleMs: Object.freeze([...scheduleMs]),
      timeoutMs: own.COFFER_WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: own.COFFER_WEBHOOK_MAX_RESPONSE_BYTES,
      concurrency: own.COFFER_WEBHOOK_CONCURRENCY,
      pollIntervalMs: own.COFFER_WEBHOOK_POLL_INTERVAL_MS,
      disableAfterMs: own.COFFER_WEBHOOK_DISABLE_AFTER_MS,
      allowedNetworks: Object.freeze(allowedNetworks),
      allowHttp: own.COFFER_WEBHOOK_ALLOW_HTTP === 'true',
    }),
    maxSubscriptionsPerUser: own.COFFER_WEBHOOK_MAX_SUBSCRIPTIONS_PER_USER,
    outbox,
  });
}
