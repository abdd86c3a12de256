import { z } from 'zod';

/** How a service's outbox relay runs (the `outbox` part of its config). */
export interface OutboxRelaySettings {
  /** Rows published per relay transaction (COFFER_OUTBOX_BATCH_SIZE, 100). */
  readonly batchSize: number;
  /** Pause after a run that found nothing, in ms (COFFER_OUTBOX_IDLE_WAIT_MS, 250). */
  readonly idleWaitMs: number;
  /** Backoff after a failed publish, doubled per attempt, in ms (COFFER_OUTBOX_BASE_BACKOFF_MS, 1 s). */
  readonly baseBackoffMs: number;
  /** Upper bound of that backoff, in ms (COFFER_OUTBOX_MAX_BACKOFF_MS, 60 s). */
  readonly maxBackoffMs: number;
}

/** The COFFER_OUTBOX_* settings, to spread into a service's config schema (`z.object({ ...outboxEnvShape, … })`). */
export const outboxEnvShape = {
  COFFER_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  COFFER_OUTBOX_IDLE_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  COFFER_OUTBOX_BASE_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  COFFER_OUTBOX_MAX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
};

type OutboxEnv = { readonly [K in keyof typeof outboxEnvShape]: number };

/** The relay settings from parsed COFFER_OUTBOX_* values; adds to `problems` what is inconsistent. */
export function outboxSettingsOf(own: OutboxEnv, problems: string[]): OutboxRelaySettings {
  if (own.COFFER_OUTBOX_MAX_BACKOFF_MS < own.COFFER_OUTBOX_BASE_BACKOFF_MS) {
    problems.push('COFFER_OUTBOX_MAX_BACKOFF_MS: must be at least COFFER_OUTBOX_BASE_BACKOFF_MS.');
  }
  return Object.freeze({
    batchSize: own.COFFER_OUTBOX_BATCH_SIZE,
    idleWaitMs: own.COFFER_OUTBOX_IDLE_WAIT_MS,
    baseBackoffMs: own.COFFER_OUTBOX_BASE_BACKOFF_MS,
    maxBackoffMs: own.COFFER_OUTBOX_MAX_BACKOFF_MS,
  });
}
