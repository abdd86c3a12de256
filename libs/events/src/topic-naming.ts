import { AppError } from '@coffer/platform';

/** The default topic namespace: topics are `coffer.<domain>.v1`. */
export const DEFAULT_TOPIC_NAMESPACE = 'coffer';

/** `auth.login_succeeded` → `coffer.auth.v1` (one topic per domain, versioned). */
export function topicForEventType(type: string, namespace: string = DEFAULT_TOPIC_NAMESPACE): string {
  const domain = type.split('.')[0] ?? '';
  if (!/^[a-z][a-z0-9_]*$/.test(domain) || !type.includes('.')) {
    throw new AppError('invalid_argument', { detail: `Invalid event type ${JSON.stringify(type)}.` });
  }
  return `${namespace}.${domain}.v1`;
}

/**
 * The Kafka group id of consumer group `group` on topic namespace `namespace`: the name itself on
 * the default namespace (the groups a deployment always had), `<namespace>.<group>` on any other,
 * so two platforms on one cluster never join each other's groups (docs/adr/0025-event-namespaces.md).
 */
export function consumerGroupIdFor(group: string, namespace: string = DEFAULT_TOPIC_NAMESPACE): string {
  return namespace === DEFAULT_TOPIC_NAMESPACE ? group : `${namespace}.${group}`;
}

/** Where events that failed validation or `maxAttempts` handler runs go: `<topic>.dlq`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
