/**
 * @coffer/outbox: the transactional outbox. Producers write events in the same transaction as
 * the state change (`writeToOutbox`); an `OutboxRelay` publishes them through the event bus
 * (docs/adr/0014-outbox.md).
 */
export { outboxMigration, type OutboxMigrationOptions } from './outbox-migration.js';
export { OUTBOX_TABLE } from './outbox-table.js';
export { writeToOutbox, type WriteToOutboxOptions } from './write-to-outbox.js';
export { OutboxRelay, type OutboxBacklog, type OutboxRelayOptions } from './outbox-relay.js';
export { registerOutboxBacklogMetrics, type OutboxBacklogSource } from './outbox-metrics.js';
export { outboxEnvShape, outboxSettingsOf, type OutboxRelaySettings } from './outbox-config.js';
