import type { CloudEvent } from '@coffer/events';
import type { Producer } from 'kafkajs';
import { kafkaMessageOf } from './bench-events.js';

/**
 * Publishes `count` events to `topic` as fast as the broker takes them: batches of
 * `batchSize`, `inFlight` batches at a time, each acknowledged by all in-sync replicas
 * (acks = -1, what the platform's bus asks for).
 */
export async function produceAsFastAsPossible(producer: Producer, topic: string, next: () => CloudEvent, count: number, batchSize = 1_000, inFlight = 4): Promise<void> {
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < count) {
      const size = Math.min(batchSize, count - sent);
      sent += size;
      const messages = Array.from({ length: size }, () => kafkaMessageOf(next()));
      await producer.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
}

/**
 * Publishes `ratePerSecond` events for `seconds`, in a small batch every `tickMs`, and records
 * when each was committed (the broker acknowledged it: performance.now() clock). A tick that
 * falls behind is caught up by the next one, so the offered rate holds unless the broker is slower.
 */
export async function producePaced(producer: Producer, topic: string, next: () => CloudEvent, ratePerSecond: number, seconds: number, tickMs = 20): Promise<Map<string, number>> {
  const committedAt = new Map<string, number>();
  const started = performance.now();
  const total = Math.round(ratePerSecond * seconds);
  let produced = 0;
  const pending: Promise<void>[] = [];
  while (produced < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * ratePerSecond) + 1);
    if (due > produced) {
      const events = Array.from({ length: due - produced }, () => next());
      produced = due;
      pending.push(
        producer.send({ topic, acks: -1, messages: events.map((event) => kafkaMessageOf(event)) }).then(() => {
          const now = performance.now();
          for (const event of events) committedAt.set(event.id, now);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  await Promise.all(pending);
  return committedAt;
}
