import { setTimeout as sleep } from 'node:timers/promises';
import { errors } from '@coffer/platform';
import { createEvent, EventSchemaRegistry, type CloudEvent, type EventBus, type SubscribeOptions, type Subscription } from '@coffer/events';

/** Helpers shared by the outbox test files. */

export const ORDER_TYPE = 'orders.placed';

export function orderRegistry(): EventSchemaRegistry {
  return new EventSchemaRegistry().register(ORDER_TYPE, {
    type: 'object',
    required: ['seq'],
    properties: { seq: { type: 'integer', minimum: 0 } },
    additionalProperties: false,
  });
}

export function order(subject: string, seq: number): CloudEvent {
  return createEvent({ type: ORDER_TYPE, source: '/coffer/outbox-test', subject, data: { seq } });
}

export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await sleep(20);
  }
}

/**
 * A bus whose publish can be made to reject, as the real one does when Kafka is down; otherwise
 * it hands the events to the real bus it wraps. It is the relay's dependency under test, not a
 * stand-in for an engine.
 */
export class SwitchableEventBus implements EventBus {
  failing = false;
  publishCalls = 0;

  constructor(private readonly inner: EventBus) {}

  get topicNamespace(): string {
    return this.inner.topicNamespace;
  }

  publish(events: readonly CloudEvent[]): Promise<void> {
    this.publishCalls += 1;
    if (this.failing) return Promise.reject(errors.unavailable('The event bus is unavailable.', 5));
    return this.inner.publish(events);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.inner.subscribe(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A bus that only records what it was asked to publish (after a short delay, to widen races). */
export class RecordingEventBus implements EventBus {
  readonly topicNamespace = 'recording';

  constructor(
    private readonly log: { readonly publisher: string; readonly id: string }[],
    private readonly publisher: string,
    private readonly delayMs = 3,
  ) {}

  async publish(events: readonly CloudEvent[]): Promise<void> {
    await sleep(this.delayMs);
    for (const event of events) this.log.push({ publisher: this.publisher, id: event.id });
  }

  subscribe(): Promise<Subscription> {
    return Promise.reject(new Error('RecordingEventBus does not deliver'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
