import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EVENT_HEADERS, createEvent, platformEventSchemaRegistry, serializeEvent, topicForEventType, type CloudEvent } from '@coffer/events';
import type { Message } from 'kafkajs';
import { eventNamespaceOf } from './engine-urls.js';

/** The event type the benchmarks publish: what the file service's outbox relay sends most. */
export const BENCH_EVENT_TYPE = 'file.uploaded';
/** Its topic on the platform's bus (a `kafka://…?namespace=` URL names the topics' namespace). */
export function benchEventTopic(busUrl: string | undefined): string {
  return topicForEventType(BENCH_EVENT_TYPE, eventNamespaceOf(busUrl));
}

/**
 * Makes `file.uploaded` events as the file service would, checked against the platform's
 * envelope and schema registry once (so a consumer never dead-letters them), with ids that
 * start with this run's 8-hex-digit marker: `<marker>-xxxx-4xxx-8xxx-xxxxxxxxxxxx`, still
 * UUIDs, and a prefix range ClickHouse answers from the `ORDER BY id` key.
 */
export class BenchEventFactory {
  readonly marker: string;
  readonly #ownerId: string;
  readonly #sha256 = createHash('sha256').update('coffer bench').digest('hex');
  #sequence = 0;

  constructor(ownerId: string = randomUUID(), marker: string = randomBytes(4).toString('hex')) {
    this.marker = marker;
    this.#ownerId = ownerId;
    // One full validation up front; the rest share its shape and differ only in ids and time.
    platformEventSchemaRegistry().validate(this.next());
    this.#sequence = 0;
  }

  /** The id range of this factory's events: `id >= low AND id < high`. */
  get idRange(): { readonly low: string; readonly high: string } {
    return { low: `${this.marker}-`, high: `${this.marker}.` };
  }

  /** The next event (its `time` is now). */
  next(): CloudEvent {
    this.#sequence += 1;
    const tail = this.#sequence.toString(16).padStart(12, '0');
    const id = `${this.marker}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-8${randomBytes(2).toString('hex').slice(1)}-${tail}`;
    const fileId = randomUUID();
    return createEvent({
      id,
      type: BENCH_EVENT_TYPE,
      source: '/coffer/file',
      subject: fileId,
      data: {
        fileId,
        ownerId: this.#ownerId,
        actorId: this.#ownerId,
        name: `bench-${this.#sequence}.txt`,
        folder: '/bench',
        version: 1,
        size: 4_096,
        sha256: this.#sha256,
        contentType: 'text/plain',
        created: true,
        authorizedBy: 'owner',
      },
    });
  }
}

/** The Kafka record of an event, as KafkaEventBus.publish writes it (key = subject, ce_* headers). */
export function kafkaMessageOf(event: CloudEvent): Message {
  return {
    key: event.subject,
    value: serializeEvent(event),
    headers: {
      [EVENT_HEADERS.id]: event.id,
      [EVENT_HEADERS.type]: event.type,
      [EVENT_HEADERS.source]: event.source,
      [EVENT_HEADERS.specversion]: event.specversion,
      [EVENT_HEADERS.contentType]: 'application/cloudevents+json; charset=utf-8',
    },
  };
}
