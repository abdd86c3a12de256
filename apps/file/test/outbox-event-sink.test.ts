import { createDatabase, migrate, type Database } from '@coffer/db';
import { outboxMigration, OUTBOX_TABLE } from '@coffer/outbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_OUTBOX_SCHEMA, OutboxFileEventSink } from '../src/events/file-event-sink.js';

describe('OutboxFileEventSink on embedded PostgreSQL', () => {
  let db: Database;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory', { searchPath: [FILE_OUTBOX_SCHEMA] });
    await migrate(db, { schema: FILE_OUTBOX_SCHEMA, migrations: [outboxMigration(FILE_OUTBOX_SCHEMA)] });
  });
  afterAll(() => db.close());

  it('writes file.downloaded and access.denied events to the outbox', async () => {
    const sink = new OutboxFileEventSink(db);
    const fileId = '11111111-1111-4111-8111-111111111111';
    await sink.fileDownloaded({ fileId, ownerId: fileId, actorId: 'link:abc', version: 1, bytes: 10, partial: false, authorizedBy: 'link:abc' }, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    await sink.accessDenied({ actorId: 'someone', action: 'file:read', resource: `file/${fileId}`, ownerId: 'not-a-uuid', reason: 'default-deny' });
    const rows = await db.knex.withSchema(FILE_OUTBOX_SCHEMA).table(OUTBOX_TABLE).orderBy('id').select('topic', 'event_key', 'payload');
    expect(rows).toHaveLength(2);
    const [downloaded, denied] = rows as { event_key: string; payload: { type: string; data: Record<string, unknown>; traceparent?: string } }[];
    expect(downloaded?.payload).toMatchObject({ type: 'file.downloaded', data: { fileId, bytes: 10, partial: false, authorizedBy: 'link:abc' } });
    expect(downloaded?.payload.traceparent).toBeDefined();
    expect(denied?.payload).toMatchObject({ type: 'access.denied', data: { actorId: 'someone', action: 'file:read', reason: 'default-deny' } });
    // A non-uuid owner would fail the schema when published, so it is left out.
    expect(denied?.payload.data).not.toHaveProperty('ownerId');
    // Keyed (and subject) by the file id, like every other event about the file; the resource stays in the data.
    expect(denied?.event_key).toBe(fileId);
    expect(denied?.payload.data).toMatchObject({ resource: `file/${fileId}` });
  });
});
