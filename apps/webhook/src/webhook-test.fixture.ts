import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { createEvent, parseEvent, platformEventSchemaRegistry, serializeEvent, type CloudEvent } from '@coffer/events';
import { generateHmacKey, HmacKeyRing, SecretSealer } from '@coffer/integrity';
import { OUTBOX_TABLE } from '@coffer/outbox';
import { createLogger, type Logger } from '@coffer/platform';
import type { Registry } from 'prom-client';
import type { ResolvedAddress } from './delivery/pinned-resolver.js';
import { newDeliveryId } from './dispatch/delivery-id.js';
import { generateWebhookSecret } from './dispatch/standard-webhook-signer.js';
import { WEBHOOK_SCHEMA, webhookMigrations } from './subscriptions/webhook-migrations.js';
import type { DeliveryRecord, KnexWebhookRepository, SubscriptionRecord } from './subscriptions/webhook-repository.js';

/**
 * Shared test fixtures of the webhook service's unit tests: an in-memory PGlite with the
 * `webhooks` schema, a sealer, a silent logger, a movable clock, subscriptions and deliveries
 * written through the real repository, and real HTTP receivers on 127.0.0.1.
 */

export { PGLITE_START_TIMEOUT_MS } from '@coffer/testing';

/** Opens an embedded in-memory database with the webhooks schema migrated. Close it when done. */
export async function openMigratedPglite(): Promise<Database> {
  const db = await createDatabase('pglite://memory');
  try {
    await migrate(db, { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations });
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Empties subscriptions, deliveries and the outbox, so each test starts from empty tables. */
export async function clearWebhooks(db: Database): Promise<void> {
  await db.knex.raw('truncate table ??.subscriptions, ??.deliveries, ??.?? restart identity', [WEBHOOK_SCHEMA, WEBHOOK_SCHEMA, WEBHOOK_SCHEMA, OUTBOX_TABLE]);
}

/** A sealer over a one-key ring, as the service builds from its key file. */
export function testSealer(): SecretSealer {
  return new SecretSealer(new HmacKeyRing({ activeKeyId: 'k1', keys: [generateHmacKey('k1')] }));
}

/** A logger that writes nowhere. */
export function silentLogger(): Logger {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return createLogger({ service: 'test', level: 'silent', destination: sink });
}

/**
 * Real time plus an offset the test moves: timers and HTTP still run as usual, and `advance`
 * makes time pass for whatever reads `now` without waiting.
 */
export class TestClock {
  #offsetMs = 0;

  readonly now = (): Date => new Date(Date.now() + this.#offsetMs);

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The value of one series of a counter (0 when the series does not exist). */
export async function metricValue(registry: Registry, name: string, labels: Readonly<Record<string, string>>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const series = values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return series?.value ?? 0;
}

/** A `Resolve` for the PinnedResolver that answers from a table: a stand-in for DNS. */
export function staticResolve(table: Readonly<Record<string, readonly ResolvedAddress[]>>): (hostname: string) => Promise<readonly ResolvedAddress[]> {
  return (hostname) => {
    const answer = table[hostname];
    if (answer !== undefined) return Promise.resolve(answer);
    return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
  };
}

/** A valid `file.uploaded` event of `ownerId`'s file (uploaded by `actorId`, the owner by default). */
export function fileUploadedEvent(ownerId: string, options: { readonly actorId?: string; readonly time?: Date } = {}): CloudEvent {
  const fileId = randomUUID();
  return createEvent({
    type: 'file.uploaded',
    source: '/coffer/metadata',
    subject: fileId,
    ...(options.time === undefined ? {} : { time: options.time }),
    data: { fileId, ownerId, actorId: options.actorId ?? ownerId, name: 'report.pdf', folder: '/', version: 1, size: 3, sha256: 'a'.repeat(64), created: true },
  });
}

/** A valid `file.deleted` event of `ownerId`'s file. */
export function fileDeletedEvent(ownerId: string, actorId = ownerId): CloudEvent {
  const fileId = randomUUID();
  return createEvent({ type: 'file.deleted', source: '/coffer/metadata', subject: fileId, data: { fileId, ownerId, actorId, purged: false } });
}

/** A stored subscription with the secrets it was created with (in clear). */
export interface StoredSubscription {
  readonly subscription: SubscriptionRecord;
  readonly secret: string;
}

/** Writes a subscription through the repository, its secret sealed as the service seals it. */
export async function storeSubscription(
  repository: KnexWebhookRepository,
  sealer: SecretSealer,
  options: { readonly url: string; readonly ownerId?: string; readonly eventTypes?: readonly string[]; readonly now?: Date },
): Promise<StoredSubscription> {
  const id = randomUUID();
  const secret = generateWebhookSecret();
  const now = options.now ?? new Date();
  const subscription = await repository.createSubscription(
    {
      id,
      ownerId: options.ownerId ?? randomUUID(),
      url: options.url,
      eventTypes: options.eventTypes ?? ['*'],
      description: '',
      enabled: true,
      disabledReason: undefined,
      sealedSecret: sealer.seal(secret, id),
      sealedPreviousSecret: undefined,
      previousSecretExpiresAt: undefined,
      failingSince: undefined,
      createdAt: now,
      updatedAt: now,
    },
    100,
  );
  return { subscription, secret };
}

/** Queues one delivery of a new `file.uploaded` event of the subscription's owner, due at `dueAt` (now by default). */
export async function queueDelivery(repository: KnexWebhookRepository, subscription: SubscriptionRecord, dueAt = new Date()): Promise<DeliveryRecord> {
  const event = fileUploadedEvent(subscription.ownerId);
  const id = newDeliveryId(dueAt.getTime());
  await repository.insertDeliveries([{ id, subscriptionId: subscription.id, eventId: event.id, eventType: event.type, payload: serializeEvent(event), createdAt: dueAt }]);
  const delivery = await repository.getDelivery(id);
  if (delivery === undefined) throw new Error('the delivery was not stored');
  return delivery;
}

/** Every delivery row, oldest first. */
export async function allDeliveries(db: Database): Promise<{ id: string; subscription_id: string; event_id: string; status: string; attempts: number; payload: string }[]> {
  return (await db.knex.withSchema(WEBHOOK_SCHEMA).table('deliveries').select('id', 'subscription_id', 'event_id', 'status', 'attempts', 'payload').orderBy('created_at').orderBy('id')) as {
    id: string;
    subscription_id: string;
    event_id: string;
    status: string;
    attempts: number;
    payload: string;
  }[];
}

const eventRegistry = platformEventSchemaRegistry();

/** The events in `webhooks.outbox`, oldest first, each checked against its data schema. */
export async function outboxEvents(db: Database): Promise<CloudEvent[]> {
  const rows = (await db.knex.withSchema(WEBHOOK_SCHEMA).table(OUTBOX_TABLE).select('payload').orderBy('id')) as { payload: unknown }[];
  return rows.map((row) => {
    const event = parseEvent(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
    eventRegistry.validate(event);
    return event;
  });
}

/** One request a receiver got. */
export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Date.now() when the body had been read. */
  readonly receivedAt: number;
}

/** How a receiver answers: a status (and headers), or `'hang'` to never answer. */
export type ReceiverAnswer = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly delayMs?: number } | 'hang';

/** A local HTTP endpoint that records each request and answers through `answer`. */
export interface TestReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  readonly load: { current: number; max: number };
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1; `answer` gets the request's index (0 for the first). */
export async function startReceiver(answer: (request: ReceivedRequest, index: number) => ReceiverAnswer = () => ({ status: 204 })): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const load = { current: 0, max: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      const index = requests.push(received) - 1;
      const reply = answer(received, index);
      if (reply === 'hang') return;
      load.current++;
      load.max = Math.max(load.max, load.current);
      const send = (): void => {
        load.current--;
        response.writeHead(reply.status, { ...reply.headers });
        response.end();
      };
      if (reply.delayMs === undefined) {
        send();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    requests,
    load,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
