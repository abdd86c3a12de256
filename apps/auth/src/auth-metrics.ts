import { Counter, type Registry } from 'prom-client';

/** How a sign-in ended (a bounded label). */
export type LoginOutcome = 'succeeded' | 'bad_credentials' | 'throttled';

/** The auth service's business metrics: sign-ins by outcome and refresh-token reuse detections. */
export class AuthMetrics {
  readonly #logins: Counter<'outcome'>;
  readonly #reuse: Counter;

  constructor(registry: Registry) {
    this.#logins = new Counter({ name: 'auth_logins_total', help: 'Sign-in attempts by outcome: succeeded, bad_credentials, throttled.', labelNames: ['outcome'], registers: [registry] });
    this.#reuse = new Counter({
      name: 'auth_refresh_reuse_detections_total',
      help: 'Rotated refresh tokens presented again: the family and its session were revoked (a stolen token, or a client that refreshed twice).',
      registers: [registry],
    });
    for (const outcome of ['succeeded', 'bad_credentials', 'throttled'] as const) this.#logins.inc({ outcome }, 0);
  }

  login(outcome: LoginOutcome): void {
    this.#logins.inc({ outcome });
  }

  refreshReuseDetected(): void {
    this.#reuse.inc();
  }
}
