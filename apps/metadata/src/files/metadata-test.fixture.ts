import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { createDatabase, migrate, type Database } from '@coffer/db';
import { parseEvent, platformEventSchemaRegistry, type CloudEvent } from '@coffer/events';
import { createLogger, type Logger } from '@coffer/platform';
import type { CreateFileInput } from './file-repository.js';
import { FILE_VERSIONS_TABLE, FILES_TABLE, METADATA_SCHEMA, metadataMigrations, OWNER_USAGE_TABLE } from './metadata-migrations.js';
import { uuidv7 } from './uuidv7.js';

/** A clock tests move by hand; `now` is what repositories take. */
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

export { PGLITE_START_TIMEOUT_MS } from '@coffer/testing';

/** Opens an embedded in-memory database with the metadata schema migrated. Close it when done. */
export async function openMigratedPglite(): Promise<Database> {
  const db = await createDatabase('pglite://memory');
  try {
    await migrate(db, { schema: METADATA_SCHEMA, migrations: metadataMigrations });
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Empties every table of the schema, outbox included. */
export async function clearMetadata(db: Database): Promise<void> {
  await db.knex.raw('truncate table ??.??, ??.??, ??.??, ??.outbox', [
    METADATA_SCHEMA,
    FILE_VERSIONS_TABLE,
    METADATA_SCHEMA,
    FILES_TABLE,
    METADATA_SCHEMA,
    OWNER_USAGE_TABLE,
    METADATA_SCHEMA,
  ]);
}

const registry = platformEventSchemaRegistry();

/**
 * The events in the outbox, oldest first, each checked against its envelope and its data
 * schema (events/schemas) — a test that reads events this way fails on any invalid one.
 */
export async function outboxEvents(db: Database): Promise<CloudEvent[]> {
  const rows = (await db.knex.withSchema(METADATA_SCHEMA).table('outbox').select('payload', 'event_key').orderBy('id')) as { payload: unknown; event_key: string }[];
  return rows.map((row) => {
    const event = parseEvent(typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload));
    registry.validate(event);
    if (event.subject !== row.event_key) throw new Error('outbox key differs from the event subject');
    return event;
  });
}

/** Deterministic SHA-256 hex of a label. */
export function sha256Of(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

let storageCounter = 0;

/** A fresh owner (or actor) id. */
export function newId(): string {
  return uuidv7();
}

/** A CreateFile input with sensible defaults; every call gets a new storage key. */
export function upload(ownerId: string, overrides: Partial<Omit<CreateFileInput, 'content'>> & { size?: number; sniffed?: string; storageKey?: string } = {}): CreateFileInput {
  storageCounter += 1;
  const { size, sniffed, storageKey, ...rest } = overrides;
  return {
    ownerId,
    actorId: ownerId,
    name: 'report.pdf',
    folder: '/',
    ifAbsent: false,
    quota: { maxBytes: 0, maxFiles: 0 },
    ...rest,
    content: {
      sizeBytes: size ?? 100,
      declaredContentType: sniffed ?? 'application/pdf',
      sniffedContentType: sniffed ?? 'application/pdf',
      sha256: sha256Of(`content-${storageCounter}`),
      hmacSha256: sha256Of(`hmac-${storageCounter}`),
      hmacKeyId: 'k1',
      storageKey: storageKey ?? `objects/${String(storageCounter).padStart(8, '0')}-${uuidv7()}`,
    },
  };
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
    logger: createLogger({ service: 'metadata', level: 'debug', destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
