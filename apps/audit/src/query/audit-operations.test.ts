import { randomUUID } from 'node:crypto';
import { auditV1 } from '@coffer/contracts';
import { createDatabase, type Database } from '@coffer/db';
import { EmbeddedEventBus, platformEventSchemaRegistry, serializeEvent } from '@coffer/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainEvents, fileUploaded, loginFailed, MemoryCheckpointStore, testKeyRing } from '../chain/audit-test.fixture.js';
import { EmbeddedAuditStore } from '../store/embedded-audit-store.js';
import { AuditOperations, MAX_PAGE_SIZE } from './audit-operations.js';

const alice = randomUUID();
const bob = randomUUID();
const request = (overrides: Partial<auditV1.QueryEventsRequest>) => auditV1.QueryEventsRequest.fromPartial(overrides);
const BAD = { code: 'invalid_argument' };

describe('AuditOperations', () => {
  let db: Database;
  let store: EmbeddedAuditStore;
  const registry = platformEventSchemaRegistry();
  let bus: EmbeddedEventBus;
  let operations: AuditOperations;

  beforeAll(async () => {
    db = await createDatabase('pglite://memory');
    store = new EmbeddedAuditStore(db);
    await store.migrate();
    const events = [
      ...Array.from({ length: 5 }, (_, i) => fileUploaded({ actorId: alice, ownerId: alice, name: `a,"${i}"` })),
      ...Array.from({ length: 3 }, () => fileUploaded({ actorId: bob, ownerId: bob })),
      loginFailed(),
    ];
    await store.append(chainEvents(events));
    bus = new EmbeddedEventBus({ registry });
    operations = new AuditOperations({ store, checkpoints: new MemoryCheckpointStore(), keys: testKeyRing(), embeddedBus: bus, registry });
  });

  afterAll(async () => {
    await bus.close();
    await db.close();
  });

  describe('QueryEvents', () => {
    it('shows an admin everything, newest first, and pages with an opaque token', async () => {
      const first = await operations.queryEvents(request({ actorId: 'root', requesterAdmin: true, pageSize: 4 }));
      expect(first.events.map((event) => event.seq)).toEqual([9, 8, 7, 6]);
      const second = await operations.queryEvents(request({ actorId: 'root', requesterAdmin: true, pageSize: 4, pageToken: first.nextPageToken }));
      expect(second.events.map((event) => event.seq)).toEqual([5, 4, 3, 2]);
      const third = await operations.queryEvents(request({ actorId: 'root', requesterAdmin: true, pageSize: 4, pageToken: second.nextPageToken }));
      expect(third.events.map((event) => event.seq)).toEqual([1]);
      expect(third.nextPageToken).toBe('');
      expect(first.events[0]).toMatchObject({ type: 'auth.login_failed', outcome: 'failure', time: expect.any(Date) as Date });
    });

    it('shows a user only events about themselves', async () => {
      const mine = await operations.queryEvents(request({ actorId: bob }));
      expect(mine.events.map((event) => event.seq)).toEqual([8, 7, 6]);
      const filtered = await operations.queryEvents(request({ actorId: bob, filterActorId: alice }));
      expect(filtered.events).toEqual([]);
    });

    it('refuses a request without a requester, a bad outcome, a bad token or a reversed range (400)', async () => {
      await expect(operations.queryEvents(request({}))).rejects.toMatchObject(BAD);
      await expect(operations.queryEvents(request({ actorId: bob, filterOutcome: 'maybe' }))).rejects.toMatchObject(BAD);
      await expect(operations.queryEvents(request({ actorId: bob, pageToken: 'xyz' }))).rejects.toMatchObject(BAD);
      await expect(operations.queryEvents(request({ actorId: bob, pageSize: -1 }))).rejects.toMatchObject(BAD);
      await expect(operations.queryEvents(request({ actorId: bob, fromTime: new Date(2_000), toTime: new Date(1_000) }))).rejects.toMatchObject(BAD);
    });

    it('lowers a page size beyond the maximum', async () => {
      const page = await operations.queryEvents(request({ actorId: 'root', requesterAdmin: true, pageSize: MAX_PAGE_SIZE * 10 }));
      expect(page.events).toHaveLength(9);
    });
  });

  describe('ExportEvents', () => {
    const collect = async (exportRequest: auditV1.ExportEventsRequest): Promise<string> => {
      const chunks: Buffer[] = [];
      for await (const chunk of operations.exportEvents(exportRequest)) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    };

    it('streams CSV with a header and RFC 4180 quoting, with the same visibility', async () => {
      const csv = await collect({ query: request({ actorId: alice }), format: auditV1.ExportFormat.EXPORT_FORMAT_CSV, limit: 0 });
      const lines = csv.split('\r\n').filter((line) => line !== '');
      expect(lines[0]).toMatch(/^seq,id,time,/);
      expect(lines).toHaveLength(6);
      expect(csv).toContain('""name"":""a,\\""4\\""""');
    });

    it('streams NDJSON bounded by the limit', async () => {
      const ndjson = await collect({ query: request({ actorId: 'root', requesterAdmin: true }), format: auditV1.ExportFormat.EXPORT_FORMAT_NDJSON, limit: 2 });
      expect(ndjson.trim().split('\n').map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([9, 8]);
    });

    it('refuses an unspecified format', async () => {
      await expect(collect({ query: request({ actorId: alice }), format: auditV1.ExportFormat.EXPORT_FORMAT_UNSPECIFIED, limit: 0 })).rejects.toMatchObject(BAD);
    });
  });

  describe('VerifyChain', () => {
    it('reports an intact chain', async () => {
      expect(await operations.verifyChain()).toEqual({ ok: true, rowsChecked: 9, checkpointsChecked: 0, problems: [] });
    });
  });

  describe('PublishEvents', () => {
    it('publishes valid events to the embedded bus in order', async () => {
      const events = [fileUploaded(), fileUploaded()];
      await operations.publishEvents({ eventsJson: events.map(serializeEvent) });
      expect(bus.readTopic('coffer.file.v1').map((record) => (JSON.parse(record.value) as { id: string }).id).sort()).toEqual(events.map((event) => event.id).sort());
    });

    it('publishes nothing when one event is invalid (400)', async () => {
      const before = bus.readTopic('coffer.file.v1').length;
      const bad = JSON.stringify({ ...fileUploaded(), data: { fileId: 'nope' } });
      await expect(operations.publishEvents({ eventsJson: [serializeEvent(fileUploaded()), bad] })).rejects.toMatchObject({ code: 'invalid_argument', detail: expect.stringContaining('eventsJson[1]') as string });
      await expect(operations.publishEvents({ eventsJson: ['not json'] })).rejects.toMatchObject(BAD);
      expect(bus.readTopic('coffer.file.v1')).toHaveLength(before);
    });

    it('answers FAILED_PRECONDITION when the platform runs on Kafka', async () => {
      const onKafka = new AuditOperations({ store, checkpoints: new MemoryCheckpointStore(), keys: testKeyRing(), embeddedBus: undefined, registry });
      await expect(onKafka.publishEvents({ eventsJson: [serializeEvent(fileUploaded())] })).rejects.toMatchObject({ code: 'precondition_failed' });
    });
  });
});
