import { Writable } from 'node:stream';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { parseEvent, platformEventSchemaRegistry, type CloudEvent } from '@coffer/events';
import { OUTBOX_TABLE } from '@coffer/outbox';
import { createLogger, type Logger } from '@coffer/platform';
import { USERS_SCHEMA, USERS_TABLE, userMigrations } from './user-migrations.js';

/** A clock tests move by hand; `now` is what repositories and jobs take. */
export class TestClock {
  private millis: number;

  constructor(start = '2026-01-01T00:00:00.123Z') {
    this.millis = new Date(start).getTime();
  }

  readonly now = (): Date => new Date(this.millis);

  advance(ms: number): void {
    this.millis += ms;
  }
}

/** A day in ms. */
export const DAY_MS = 24 * 60 * 60 * 1_000;

export { PGLITE_START_TIMEOUT_MS } from '@coffer/testing';

/** Opens an embedded in-memory database with the users schema migrated. Close it when done. */
export async function openMigratedPglite(): Promise<Database> {
  const db = await createDatabase('pglite://memory');
  try {
    await migrate(db, { schema: USERS_SCHEMA, migrations: userMigrations });
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Removes every profile and outbox row, so each test starts from empty tables. */
export async function clearUsers(db: Database): Promise<void> {
  await db.knex.raw('truncate table ??.??, ??.??', [USERS_SCHEMA, USERS_TABLE, USERS_SCHEMA, OUTBOX_TABLE]);
}

/** One row of `users.outbox`, as the relay would read it. */
export interface OutboxRow {
  readonly eventKey: string;
  readonly topic: string;
  /** The payload as stored (the JSON text), for assertions on what leaves the service. */
  readonly serialized: string;
  readonly event: CloudEvent;
}

const registry = platformEventSchemaRegistry();

/**
 * The events in `users.outbox`, in write order. Each is parsed (envelope checked) and its data
 * validated against its schema (events/schemas/user.*.v1.json); an invalid one fails the test.
 */
export async function outboxRows(db: Database): Promise<OutboxRow[]> {
  const rows = await db.knex.withSchema(USERS_SCHEMA).table(OUTBOX_TABLE).orderBy('id').select<{ event_key: string; topic: string; payload: unknown }[]>('event_key', 'topic', 'payload');
  return rows.map((row) => {
    const serialized = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
    const event = parseEvent(serialized);
    registry.validate(event);
    return { eventKey: row.event_key, topic: row.topic, serialized, event };
  });
}

/** The events in `users.outbox` as `{ type, subject, data }`, in write order. */
export async function outboxEvents(db: Database): Promise<Pick<CloudEvent, 'type' | 'subject' | 'data'>[]> {
  return (await outboxRows(db)).map(({ event }) => ({ type: event.type, subject: event.subject, data: event.data }));
}

/** A logger that keeps its JSON lines in memory. */
export function capturingLogger(): { readonly logger: Logger; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    logger: createLogger({ service: 'user', level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
