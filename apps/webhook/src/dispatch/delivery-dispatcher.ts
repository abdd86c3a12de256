import { contextOfTraceparent, createEvent } from '@coffer/events';
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { SecretSealer } from '@coffer/integrity';
import { endSpanAfter, type Logger } from '@coffer/platform';
import type { WebhookHttpResult } from '../delivery/webhook-http-sender.js';
import type { AttemptOutcome, WebhookMetrics } from '../webhook-metrics.js';
import type { ClaimedDelivery, KnexWebhookRepository, SubscriptionRecord } from '../subscriptions/webhook-repository.js';
import { nextAttemptDelayMs } from './retry-schedule.js';
import { signWebhook } from './standard-webhook-signer.js';

/** Sends one signed request (a WebhookHttpSender). */
export interface WebhookTransport {
  send(request: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string }): Promise<WebhookHttpResult>;
}

/** Settings of a {@link DeliveryDispatcher}. */
export interface DeliveryDispatcherOptions {
  readonly repository: KnexWebhookRepository;
  readonly transport: WebhookTransport;
  readonly sealer: SecretSealer;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly scheduleMs: readonly number[];
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  /** How long a claimed delivery is reserved for this worker; must exceed the request timeout. */
  readonly leaseMs: number;
  readonly disableAfterMs: number;
  readonly clock?: () => Date;
  readonly random?: () => number;
  /**
   * The service's tracer: each attempt is a `webhook deliver` span (kind CLIENT) whose parent
   * is the `traceparent` of the delivered CloudEvent, so the delivery joins the trace of the
   * operation that caused the event.
   */
  readonly tracer?: Tracer;
}

/**
 * The delivery workers: claim due deliveries (lease in the database, so several processes
 * share the queue), sign each attempt per Standard Webhooks with the subscription's current
 * secret (and the previous one during a rotation), send it through the SSRF-safe transport and
 * record the outcome:
 *
 * - 2xx → succeeded (only 2xx: a redirect is not followed and counts as a failure);
 * - 410 Gone → the endpoint is disabled at once (webhook.endpoint_disabled to its owner);
 * - anything else, or no response → retried on the schedule (with jitter, and never sooner
 *   than the receiver's Retry-After); after the last entry the delivery is dead; an endpoint
 *   with no success for `disableAfterMs` is disabled.
 *
 * The webhook-id is the delivery id on every attempt; the timestamp is the attempt's.
 */
export class DeliveryDispatcher {
  readonly #options: DeliveryDispatcherOptions;
  readonly #clock: () => Date;
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: DeliveryDispatcherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for due deliveries now instead of after the poll interval (new deliveries were written). */
  wake(): void {
    this.#wake?.();
  }

  /** Stops claiming and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    const { logger, concurrency, pollIntervalMs } = this.#options;
    while (this.#running) {
      let claimed: ClaimedDelivery[] = [];
      const free = concurrency - this.#inFlight.size;
      if (free > 0) {
        try {
          const now = this.#clock();
          claimed = await this.#options.repository.claimDue(now, new Date(now.getTime() + this.#options.leaseMs), free);
        } catch (error) {
          logger.warn({ err: error }, 'claiming due webhook deliveries failed; trying again');
        }
      }
      for (const delivery of claimed) {
        const attempt = this.#attempt(delivery).catch((error: unknown) => {
          // The lease runs out and the delivery is tried again: nothing is lost.
          logger.error({ err: error, delivery_id: delivery.id }, 'recording a webhook attempt failed');
        });
        this.#inFlight.add(attempt);
        void attempt.finally(() => {
          this.#inFlight.delete(attempt);
          this.wake();
        });
      }
      if (claimed.length === free && free > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  #secrets(subscription: SubscriptionRecord, now: Date): string[] {
    const { sealer } = this.#options;
    const secrets = [sealer.open(subscription.sealedSecret, subscription.id)];
    if (subscription.sealedPreviousSecret !== undefined && subscription.previousSecretExpiresAt !== undefined && subscription.previousSecretExpiresAt > now) {
      secrets.push(sealer.open(subscription.sealedPreviousSecret, subscription.id));
    }
    return secrets;
  }

  /** Sends the request inside a `webhook deliver` span when there is a tracer. */
  async #send(delivery: ClaimedDelivery, headers: ReturnType<typeof signWebhook>): Promise<WebhookHttpResult> {
    const { transport, tracer } = this.#options;
    const request = { url: delivery.subscription.url, headers: { ...headers }, body: delivery.payload };
    if (tracer === undefined) return transport.send(request);
    const parent = eventTraceContext(delivery.payload);
    const target = safeUrl(delivery.subscription.url);
    const span = tracer.startSpan(
      'webhook deliver',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'POST',
          ...(target === undefined ? {} : { 'server.address': target.hostname, 'server.port': Number(target.port || (target.protocol === 'https:' ? 443 : 80)), 'url.scheme': target.protocol.replace(':', '') }),
          'http.request.resend_count': delivery.attempts,
          'coffer.webhook.delivery_id': delivery.id,
          'coffer.webhook.subscription_id': delivery.subscriptionId,
          'messaging.message.id': delivery.eventId,
          'cloudevents.event_type': delivery.eventType,
        },
      },
      parent,
    );
    return endSpanAfter(span, async () => {
      const result = await otelContext.with(trace.setSpan(parent, span), () => transport.send(request));
      if (result.kind === 'response') {
        span.setAttribute('http.response.status_code', result.status);
        if (result.status < 200 || result.status >= 300) span.setStatus({ code: SpanStatusCode.ERROR, message: `status ${result.status}` });
      } else {
        span.setAttribute('error.type', result.reason);
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
      }
      return result;
    });
  }

  async #attempt(delivery: ClaimedDelivery): Promise<void> {
    const { repository, metrics, logger, scheduleMs, disableAfterMs } = this.#options;
    const started = this.#clock();
    if (delivery.attempts === 0) metrics.firstAttemptLag((started.getTime() - delivery.createdAt.getTime()) / 1000);
    const headers = signWebhook(this.#secrets(delivery.subscription, started), delivery.id, started.getTime() / 1000, delivery.payload);
    const result = await this.#send(delivery, headers);
    const now = this.#clock();
    const seconds = result.durationMs / 1000;
    const log = logger.child({ delivery_id: delivery.id, subscription_id: delivery.subscriptionId, attempt: delivery.attempts + 1 });

    if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
      await repository.recordSuccess(delivery, result.status, now);
      metrics.attempt('succeeded', seconds);
      return;
    }
    if (result.kind === 'response' && result.status === 410) {
      await repository.recordFailure(delivery, { statusCode: 410, error: 'The endpoint answered 410 Gone.', nextAttemptAt: undefined }, now);
      metrics.attempt('gone', seconds);
      await this.#disable(delivery, 'gone', now, undefined, 410);
      log.warn('webhook endpoint answered 410 Gone: subscription disabled');
      return;
    }

    const statusCode = result.kind === 'response' ? result.status : undefined;
    const error = result.kind === 'response' ? `The endpoint answered ${result.status}.` : `${result.reason}: ${result.detail}`;
    const retryAfterMs = result.kind === 'response' && result.retryAfterSeconds !== undefined ? result.retryAfterSeconds * 1000 : undefined;
    const delay = nextAttemptDelayMs(scheduleMs, delivery.attempts + 1, { ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...(this.#options.random ? { random: this.#options.random } : {}) });
    const nextAttemptAt = delay === undefined ? undefined : new Date(now.getTime() + delay);
    const failingSince = await repository.recordFailure(delivery, { statusCode, error, nextAttemptAt }, now);
    const outcome: AttemptOutcome = nextAttemptAt === undefined ? 'dead' : result.kind === 'failed' && result.reason === 'refused_address' ? 'refused' : 'failed';
    metrics.attempt(outcome, seconds);
    log.info({ outcome, status_code: statusCode, reason: result.kind === 'failed' ? result.reason : undefined, next_attempt_at: nextAttemptAt?.toISOString() }, 'webhook attempt failed');
    if (now.getTime() - failingSince.getTime() >= disableAfterMs) await this.#disable(delivery, 'failing', now, failingSince, statusCode);
  }

  async #disable(delivery: ClaimedDelivery, reason: 'gone' | 'failing', now: Date, failingSince: Date | undefined, lastStatusCode: number | undefined): Promise<void> {
    const { subscription } = delivery;
    const event = createEvent({
      type: 'webhook.endpoint_disabled',
      source: '/coffer/webhook',
      subject: subscription.id,
      time: now,
      data: {
        subscriptionId: subscription.id,
        ownerId: subscription.ownerId,
        url: subscription.url,
        reason,
        ...(failingSince === undefined ? {} : { failingSince: failingSince.toISOString() }),
        ...(lastStatusCode === undefined ? {} : { lastStatusCode }),
      },
    });
    if (await this.#options.repository.disableSubscription(subscription.id, reason, event, now)) this.#options.metrics.endpointDisabled(reason);
  }
}

/** The context the delivered CloudEvent's `traceparent` names; the root context when it has none. */
function eventTraceContext(payload: string): Context {
  try {
    const event = JSON.parse(payload) as { traceparent?: unknown; tracestate?: unknown };
    const traceparent = typeof event.traceparent === 'string' ? event.traceparent : undefined;
    const tracestate = typeof event.tracestate === 'string' ? event.tracestate : undefined;
    return contextOfTraceparent(traceparent, tracestate);
  } catch {
    return contextOfTraceparent(undefined);
  }
}

/** The endpoint URL for span attributes (host and port only: path and query may hold secrets). */
function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
