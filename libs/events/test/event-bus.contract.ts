import { AppError } from '@coffer/platform';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEvent,
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  EventSchemaRegistry,
  topicForEventType,
  type CloudEvent,
  type DeliveryContext,
  type EventBus,
  type EventHandler,
  type Subscription,
} from '../src/index.js';

/**
 * The one contract every {@link EventBus} meets, run against real Kafka (test/kafka.test.ts)
 * and the embedded bus (src/embedded-event-bus.test.ts). Every test opens its own bus on a
 * fresh topic namespace, so tests never see each other's events.
 */

/** One record as stored in a topic: key, value and headers as text. */
export interface RawRecord {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A bus plus what the suite needs to look behind it. */
export interface OpenedBus {
  readonly bus: EventBus;
  /** Topic namespace of this bus (topics are `<namespace>.<domain>.v1`). */
  readonly namespace: string;
  /** Appends a record without any validation, as a broken or hostile producer would. */
  appendRaw(topic: string, key: string, value: string): Promise<void>;
  /** The records of `topic`, once at least `count` are there (fails after a timeout). */
  readRecords(topic: string, count: number): Promise<RawRecord[]>;
}

export interface EventBusHarness {
  /** A new bus with `registry` on a new namespace. Group names should start with the namespace. */
  open(registry: EventSchemaRegistry): Promise<OpenedBus>;
  /** Closes every bus opened and removes their topics and groups. */
  cleanup(): Promise<void>;
}

const TYPE = 'orders.placed';
const orderSchema = {
  type: 'object',
  required: ['seq'],
  properties: { seq: { type: 'integer', minimum: 0 }, note: { type: 'string' } },
  additionalProperties: false,
} as const;

function registry(): EventSchemaRegistry {
  return new EventSchemaRegistry().register(TYPE, orderSchema);
}

function order(subject: string, seq: number): CloudEvent {
  return createEvent({ type: TYPE, source: '/coffer/test', subject, data: { seq } });
}

function seqOf(event: CloudEvent): number {
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('data is not an object');
  const seq = (data as Readonly<Record<string, unknown>>)['seq'];
  if (typeof seq !== 'number') throw new Error('data.seq is not a number');
  return seq;
}

interface Delivery {
  readonly event: CloudEvent;
  readonly context: DeliveryContext;
  readonly consumer: string;
}

/** Records every delivery; the handler decides per delivery whether to fail. */
function recorder(consumer: string, log: Delivery[], fail: (event: CloudEvent, context: DeliveryContext) => boolean = () => false): EventHandler {
  return (event, context) => {
    log.push({ event, context, consumer });
    return fail(event, context) ? Promise.reject(new Error(`handler refused ${event.id}`)) : Promise.resolve();
  };
}

async function eventually(check: () => boolean, what: () => string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function handled(log: readonly Delivery[], fail: (delivery: Delivery) => boolean = () => false): Map<string, number> {
  const counts = new Map<string, number>();
  for (const delivery of log) if (!fail(delivery)) counts.set(delivery.event.id, (counts.get(delivery.event.id) ?? 0) + 1);
  return counts;
}

async function expectAppError(promise: Promise<unknown>, code: string, detail?: RegExp): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  if (detail !== undefined) expect((error as AppError).detail).toMatch(detail);
}

/** Registers the contract tests for one implementation. */
export function describeEventBusContract(name: string, harness: EventBusHarness): void {
  describe(`EventBus contract: ${name}`, () => {
    const subscriptions: Subscription[] = [];
    afterAll(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await harness.cleanup();
    });

    async function subscribe(opened: OpenedBus, options: Parameters<EventBus['subscribe']>[0]): Promise<Subscription> {
      const subscription = await opened.bus.subscribe(options);
      subscriptions.push(subscription);
      return subscription;
    }

    it('delivers every event once to a group, in order per key, across several publishes', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      // Fixed keys (the topic is unique per run): murmur2 spreads these over more than one partition.
      const keys = Array.from({ length: 6 }, (_, i) => `order-${i}`);
      const events = Array.from({ length: 8 }, (_, seq) => keys.map((key) => order(key, seq))).flat();
      for (let i = 0; i < events.length; i += 12) await opened.bus.publish(events.slice(i, i + 12));

      const log: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-g`, topics: [topic], handler: recorder('a', log) });
      await eventually(() => log.length >= events.length, () => `${log.length} of ${events.length} delivered`);

      expect(log.map((delivery) => delivery.event.id).sort()).toEqual(events.map((event) => event.id).sort());
      for (const key of keys) {
        const forKey = log.filter((delivery) => delivery.event.subject === key);
        expect(forKey.map((delivery) => seqOf(delivery.event))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(new Set(forKey.map((delivery) => delivery.context.partition)).size).toBe(1);
        expect(forKey.every((delivery) => delivery.context.topic === topic && delivery.context.attempt === 1)).toBe(true);
      }
      expect(new Set(log.map((delivery) => delivery.context.partition)).size).toBeGreaterThan(1);
      // The event arrives as published, trace context included.
      expect(log[0]?.event).toEqual(events.find((event) => event.id === log[0]?.event.id));
    });

    it('carries trace context through the bus', async () => {
      const opened = await harness.open(registry());
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const event = createEvent({ type: TYPE, source: '/coffer/test', subject: 'traced', data: { seq: 1 }, traceparent, tracestate: 'coffer=1' });
      await opened.bus.publish([event]);
      const log: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-g`, topics: [topicForEventType(TYPE, opened.namespace)], handler: recorder('a', log) });
      await eventually(() => log.length >= 1, () => 'no delivery');
      expect(log[0]?.event).toEqual(event);
    });

    it('refuses a batch with an unknown type or invalid data, publishing none of it', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const good = order('k', 0);
      const unknownType = createEvent({ type: 'orders.shipped', source: '/coffer/test', subject: 'k', data: { seq: 1 } });
      const badData = createEvent({ type: TYPE, source: '/coffer/test', subject: 'k', data: { seq: 'one' } });
      await expectAppError(opened.bus.publish([good, unknownType]), 'invalid_argument', /Unknown event type orders\.shipped/);
      await expectAppError(opened.bus.publish([good, badData]), 'invalid_argument', /"data\.seq" must be integer/);
      const forged = { ...good, specversion: '0.3' } as unknown as CloudEvent;
      await expectAppError(opened.bus.publish([forged]), 'invalid_argument', /"specversion"/);

      const later = order('k', 5);
      await opened.bus.publish([later]);
      const log: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-g`, topics: [topic], handler: recorder('a', log) });
      await eventually(() => log.length >= 1, () => 'no delivery');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(log.map((delivery) => delivery.event.id)).toEqual([later.id]);
    });

    it('redelivers after a handler failure and keeps the order of the key', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const events = [0, 1, 2, 3].map((seq) => order('flaky', seq));
      await opened.bus.publish(events);
      const log: Delivery[] = [];
      const failTwice = (event: CloudEvent, context: DeliveryContext): boolean => seqOf(event) === 1 && context.attempt <= 2;
      await subscribe(opened, { group: `${opened.namespace}-g`, topics: [topic], handler: recorder('a', log, failTwice), maxAttempts: 5, retryBackoffMs: 20 });
      await eventually(() => log.length >= 6, () => `${log.length} of 6 deliveries`);

      expect(log.map((delivery) => [seqOf(delivery.event), delivery.context.attempt])).toEqual([
        [0, 1],
        [1, 1],
        [1, 2],
        [1, 3],
        [2, 1],
        [3, 1],
      ]);
    });

    it('dead-letters an event after maxAttempts failures, with the error, and moves on', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const events = [0, 1, 2].map((seq) => order('poison', seq));
      const poison = events[1];
      await opened.bus.publish(events);
      const log: Delivery[] = [];
      await subscribe(opened, {
        group: `${opened.namespace}-g`,
        topics: [topic],
        handler: recorder('a', log, (event) => event.id === poison?.id),
        maxAttempts: 3,
        retryBackoffMs: 10,
      });
      await eventually(() => log.some((delivery) => seqOf(delivery.event) === 2), () => `${log.length} deliveries, seq 2 not yet`);
      expect(log.map((delivery) => [seqOf(delivery.event), delivery.context.attempt])).toEqual([
        [0, 1],
        [1, 1],
        [1, 2],
        [1, 3],
        [2, 1],
      ]);

      const [dead, ...more] = await opened.readRecords(deadLetterTopic(topic), 1);
      expect(more).toEqual([]);
      expect(dead?.key).toBe('poison');
      expect(JSON.parse(dead?.value ?? '{}')).toEqual(poison);
      expect(dead?.headers).toMatchObject({
        [DEAD_LETTER_HEADERS.reason]: 'handler_failed',
        [DEAD_LETTER_HEADERS.attempts]: '3',
        [DEAD_LETTER_HEADERS.topic]: topic,
        [DEAD_LETTER_HEADERS.group]: `${opened.namespace}-g`,
        ce_type: TYPE,
        ce_id: poison?.id,
      });
      expect(dead?.headers[DEAD_LETTER_HEADERS.error]).toContain(`handler refused ${poison?.id ?? ''}`);
    });

    it('dead-letters records that fail validation on consume without calling the handler', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const wrongData = { ...order('bad', 1), data: { seq: -1 } };
      await opened.bus.publish([order('bad', 0)]);
      await opened.appendRaw(topic, 'bad', 'this is not json');
      await opened.appendRaw(topic, 'bad', JSON.stringify(wrongData));
      await opened.appendRaw(topic, 'bad', JSON.stringify({ ...order('bad', 2), type: 'orders.unknown' }));
      const last = order('bad', 3);
      await opened.bus.publish([last]);

      const log: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-g`, topics: [topic], handler: recorder('a', log), maxAttempts: 3, retryBackoffMs: 10 });
      await eventually(() => log.some((delivery) => delivery.event.id === last.id), () => `${log.length} deliveries`);
      expect(log.map((delivery) => seqOf(delivery.event))).toEqual([0, 3]);

      const dead = await opened.readRecords(deadLetterTopic(topic), 3);
      expect(dead.map((record) => record.value)).toEqual(['this is not json', JSON.stringify(wrongData), expect.stringContaining('orders.unknown') as unknown]);
      expect(dead.map((record) => record.headers[DEAD_LETTER_HEADERS.reason])).toEqual(['invalid_event', 'invalid_event', 'invalid_event']);
      expect(dead.map((record) => record.headers[DEAD_LETTER_HEADERS.attempts])).toEqual(['0', '0', '0']);
      expect(dead[0]?.headers[DEAD_LETTER_HEADERS.error]).toMatch(/not a JSON document/);
      expect(dead[1]?.headers[DEAD_LETTER_HEADERS.error]).toMatch(/"data\.seq" must be >= 0/);
      expect(dead[2]?.headers[DEAD_LETTER_HEADERS.error]).toMatch(/Unknown event type orders\.unknown/);
    });

    it('commits only after the handler succeeded: a stopped consumer leaves its event to the group', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const group = `${opened.namespace}-g`;
      const events = [0, 1, 2, 3].map((seq) => order('handover', seq));
      await opened.bus.publish(events);

      const first: Delivery[] = [];
      const stuck = await subscribe(opened, {
        group,
        topics: [topic],
        handler: recorder('first', first, (event) => seqOf(event) === 2),
        maxAttempts: 100,
        retryBackoffMs: 20,
      });
      await eventually(() => first.filter((delivery) => seqOf(delivery.event) === 2).length >= 2, () => `${first.length} deliveries`);
      await stuck.stop();
      await stuck.stop();
      const stuckAttempts = first.length;
      expect(first.slice(0, 2).map((delivery) => seqOf(delivery.event))).toEqual([0, 1]);

      const second: Delivery[] = [];
      await subscribe(opened, { group, topics: [topic], handler: recorder('second', second) });
      await eventually(() => second.length >= 2, () => `${second.length} of 2 deliveries`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(second.map((delivery) => seqOf(delivery.event))).toEqual([2, 3]);
      expect(first).toHaveLength(stuckAttempts);
    });

    it('shares partitions between consumers of one group without handling a committed event twice', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const group = `${opened.namespace}-g`;
      const keys = Array.from({ length: 24 }, (_, i) => `shared-${i}`);
      const batch1 = keys.map((key) => order(key, 0));
      const batch2 = keys.flatMap((key) => [order(key, 1), order(key, 2)]);
      const log: Delivery[] = [];

      await subscribe(opened, { group, topics: [topic], handler: recorder('a', log) });
      await opened.bus.publish(batch1);
      await eventually(() => log.length >= batch1.length, () => `${log.length} of ${batch1.length} (batch 1)`);

      await subscribe(opened, { group, topics: [topic], handler: recorder('b', log) });
      await opened.bus.publish(batch2);
      const total = batch1.length + batch2.length;
      await eventually(() => handled(log).size >= total, () => `${handled(log).size} of ${total} (batch 2)`);
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect([...handled(log).values()].every((count) => count === 1)).toBe(true);
      expect(log).toHaveLength(total);
      const batch2Ids = new Set(batch2.map((event) => event.id));
      const consumers = new Set(log.filter((delivery) => batch2Ids.has(delivery.event.id)).map((delivery) => delivery.consumer));
      expect([...consumers].sort()).toEqual(['a', 'b']);
      for (const key of keys) {
        const forKey = log.filter((delivery) => delivery.event.subject === key);
        expect(forKey.map((delivery) => seqOf(delivery.event))).toEqual([0, 1, 2]);
      }
    });

    it('starts a new group at the earliest event while other groups keep their own offsets', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const events = [0, 1, 2, 3, 4].map((seq) => order(`early-${seq % 2}`, seq));
      await opened.bus.publish(events.slice(0, 3));
      const first: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-one`, topics: [topic], handler: recorder('one', first) });
      await eventually(() => first.length >= 3, () => `${first.length} of 3`);
      await opened.bus.publish(events.slice(3));
      await eventually(() => first.length >= 5, () => `${first.length} of 5`);

      const second: Delivery[] = [];
      await subscribe(opened, { group: `${opened.namespace}-two`, topics: [topic], handler: recorder('two', second) });
      await eventually(() => second.length >= 5, () => `${second.length} of 5`);
      expect(second.map((delivery) => delivery.event.id).sort()).toEqual(events.map((event) => event.id).sort());
      expect(first).toHaveLength(5);
    });

    it('with maxInFlight, starts up to that many handlers of a partition in offset order before the first resolves', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const events = Array.from({ length: 20 }, (_, seq) => order('inflight', seq));
      await opened.bus.publish(events);
      const log: Delivery[] = [];
      let running = 0;
      let mostRunning = 0;
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      await subscribe(opened, {
        group: `${opened.namespace}-g`,
        topics: [topic],
        maxInFlight: 8,
        handler: async (event, context) => {
          log.push({ event, context, consumer: 'a' });
          running += 1;
          mostRunning = Math.max(mostRunning, running);
          await gate;
          running -= 1;
        },
      });
      await eventually(() => log.length >= 8, () => `${log.length} of 8 in flight`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(log.map((delivery) => seqOf(delivery.event))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      open();
      await eventually(() => log.length >= events.length, () => `${log.length} of ${events.length} delivered`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(log.map((delivery) => seqOf(delivery.event))).toEqual(events.map((_, seq) => seq));
      expect(mostRunning).toBe(8);
    });

    it('with maxInFlight, retries and dead-letters a failing event while the others finish, then commits them all', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const group = `${opened.namespace}-g`;
      const events = [0, 1, 2, 3, 4, 5].map((seq) => order('poison-batch', seq));
      const poison = events[2];
      await opened.bus.publish(events);
      const log: Delivery[] = [];
      const first = await subscribe(opened, {
        group,
        topics: [topic],
        handler: recorder('a', log, (event) => event.id === poison?.id),
        maxInFlight: 16,
        maxAttempts: 3,
        retryBackoffMs: 50,
      });
      const [dead] = await opened.readRecords(deadLetterTopic(topic), 1);
      expect(dead?.headers[DEAD_LETTER_HEADERS.reason]).toBe('handler_failed');
      expect(JSON.parse(dead?.value ?? '{}')).toEqual(poison);
      await eventually(() => handled(log).size >= events.length, () => `${handled(log).size} of ${events.length}`);
      const attempts = log.filter((delivery) => delivery.event.id === poison?.id).map((delivery) => delivery.context.attempt);
      expect(attempts).toEqual([1, 2, 3]);
      // The others did not wait for the poison event's retries.
      const lastOther = log.findIndex((delivery) => seqOf(delivery.event) === 5);
      const lastPoison = log.findLastIndex((delivery) => delivery.event.id === poison?.id);
      expect(lastOther).toBeLessThan(lastPoison);
      expect([...handled(log, (delivery) => delivery.event.id === poison?.id).values()].every((count) => count === 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await first.stop();

      // Everything, the dead-lettered event included, was committed: the group only sees what is new.
      const later = order('poison-batch', 6);
      await opened.bus.publish([later]);
      const second: Delivery[] = [];
      await subscribe(opened, { group, topics: [topic], handler: recorder('b', second), maxInFlight: 16 });
      await eventually(() => second.length >= 1, () => 'no delivery');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(second.map((delivery) => delivery.event.id)).toEqual([later.id]);
    });

    it('with maxInFlight, a stop commits only the finished prefix and the group gets the rest, nothing lost', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const group = `${opened.namespace}-g`;
      const events = Array.from({ length: 8 }, (_, seq) => order('stop-batch', seq));
      await opened.bus.publish(events);
      const first: Delivery[] = [];
      const stuck = await subscribe(opened, {
        group,
        topics: [topic],
        handler: recorder('first', first, (event) => seqOf(event) === 3),
        maxInFlight: 16,
        maxAttempts: 100,
        retryBackoffMs: 20,
      });
      await eventually(
        () => first.filter((delivery) => seqOf(delivery.event) === 3).length >= 2 && first.some((delivery) => seqOf(delivery.event) === 7),
        () => `${first.length} deliveries`,
      );
      await stuck.stop();
      // Every event was started once (3 again and again); 4 to 7 finished but follow the unfinished 3.
      expect(handled(first, (delivery) => seqOf(delivery.event) === 3).size).toBe(7);

      const second: Delivery[] = [];
      await subscribe(opened, { group, topics: [topic], handler: recorder('second', second), maxInFlight: 16 });
      await eventually(() => second.length >= 5, () => `${second.length} of 5 deliveries`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(second.map((delivery) => seqOf(delivery.event))).toEqual([3, 4, 5, 6, 7]);
    });

    it('rejects bad subscribe options, and everything after close with unavailable', async () => {
      const opened = await harness.open(registry());
      const topic = topicForEventType(TYPE, opened.namespace);
      const handler = recorder('x', []);
      await expectAppError(opened.bus.subscribe({ group: `${opened.namespace}-g`, topics: [topic], handler, maxAttempts: 0 }), 'invalid_argument');
      await expectAppError(opened.bus.subscribe({ group: `${opened.namespace}-g`, topics: [], handler }), 'invalid_argument');
      await expectAppError(opened.bus.subscribe({ group: `${opened.namespace}-g`, topics: [topic], handler, maxInFlight: 0 }), 'invalid_argument', /maxInFlight/);
      await expectAppError(opened.bus.subscribe({ group: `${opened.namespace}-g`, topics: [topic], handler, maxInFlight: 1.5 }), 'invalid_argument', /maxInFlight/);
      await opened.bus.close();
      await opened.bus.close();
      await expectAppError(opened.bus.publish([order('closed', 0)]), 'unavailable');
      await expectAppError(opened.bus.subscribe({ group: `${opened.namespace}-g`, topics: [topic], handler }), 'unavailable');
    });
  });
}
