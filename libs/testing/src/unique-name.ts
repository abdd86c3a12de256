import { randomBytes } from 'node:crypto';

/**
 * A name no earlier or concurrent run uses: `<prefix><sep><time base36><sep><6 hex>`, lower
 * case, so it is valid as a SQL identifier, a Kafka topic or group (with `_`) and as an S3
 * bucket name (with `-`, while the prefix is 3-40 lower-case letters, digits or hyphens).
 */
export function uniqueName(prefix: string, separator: '_' | '-' = '_'): string {
  if (!/^[a-z][a-z0-9_-]*$/.test(prefix)) {
    throw new Error(`uniqueName: prefix must be lower-case letters, digits, _ or - (got ${JSON.stringify(prefix)})`);
  }
  return [prefix, Date.now().toString(36), randomBytes(3).toString('hex')].join(separator);
}
