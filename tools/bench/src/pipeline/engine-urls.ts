import { consumerGroupIdFor, DEFAULT_TOPIC_NAMESPACE } from '@coffer/events';

/** The Kafka brokers of a `kafka://host:port[,host:port]` bus URL (what the services were given). */
export function kafkaBrokersOf(busUrl: string | undefined): string[] {
  if (busUrl === undefined || !busUrl.startsWith('kafka://')) {
    throw new Error(`The pipeline benchmarks need the platform on Kafka (COFFER_EVENT_BUS_URL=kafka://…), got ${JSON.stringify(busUrl ?? '')}.`);
  }
  const brokers = busUrl
    .slice('kafka://'.length)
    .split(/[,/?]/)
    .map((entry) => entry.trim())
    .filter((entry) => /^[^:\s]+:\d+$/.test(entry));
  if (brokers.length === 0) throw new Error('COFFER_EVENT_BUS_URL names no broker.');
  return brokers;
}

/** The topic namespace of a bus URL (`?namespace=`, default `coffer`), as the services read it. */
export function eventNamespaceOf(busUrl: string | undefined): string {
  const query = busUrl?.indexOf('?') ?? -1;
  return (query < 0 ? null : new URLSearchParams(busUrl?.slice(query + 1)).get('namespace')) ?? DEFAULT_TOPIC_NAMESPACE;
}

/** The Kafka group id the services use for consumer group `group` on a bus URL (scoped by a namespace other than the default). */
export function consumerGroupId(group: string, busUrl: string | undefined): string {
  return consumerGroupIdFor(group, eventNamespaceOf(busUrl));
}

/**
 * The HTTP URL and database of the audit store (`clickhouse://host:8123/db`,
 * `http://host:8123?database=db` or `…/db`), read the way the audit service reads it.
 */
export function clickHouseOf(storeUrl: string | undefined): { readonly url: string; readonly database: string } {
  if (storeUrl === undefined || storeUrl === 'embedded') {
    throw new Error('The events benchmark needs the audit store on ClickHouse (COFFER_AUDIT_STORE_URL=clickhouse://…).');
  }
  const url = new URL(storeUrl);
  const protocol = url.protocol === 'clickhouse:' ? 'http:' : url.protocol === 'clickhouses:' ? 'https:' : url.protocol;
  const database = url.searchParams.get('database') ?? (url.pathname.replace(/^\/+|\/+$/g, '') || 'coffer_audit');
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) throw new Error('The ClickHouse database name must be letters, digits and _.');
  const auth = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${url.password}`}@`;
  return { url: `${protocol}//${auth}${url.host}`, database };
}
