import { eventTypes } from '@coffer/contracts';
import { errors } from '@coffer/platform';

/** Event types a subscription may name: the platform's catalog (events/schemas), without the ping that only pings send. */
const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.keys(eventTypes).filter((type) => type !== 'webhook.ping'));
const KNOWN_DOMAINS: ReadonlySet<string> = new Set([...KNOWN_TYPES].map((type) => type.split('.')[0] ?? ''));
const MAX_EVENT_TYPES = 64;
const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 256;

/**
 * Checks a subscription's event type filter: 1 to 64 entries, each a known event type
 * (`file.uploaded`), a known domain's wildcard (`file.*`) or `*`. Returns it without duplicates.
 */
export function validateEventTypes(patterns: readonly string[]): string[] {
  if (patterns.length === 0 || patterns.length > MAX_EVENT_TYPES) throw errors.invalidArgument(`eventTypes: list 1 to ${MAX_EVENT_TYPES} event types.`);
  for (const pattern of patterns) {
    const domain = pattern.endsWith('.*') ? pattern.slice(0, -2) : undefined;
    const ok = pattern === '*' || (domain !== undefined ? KNOWN_DOMAINS.has(domain) : KNOWN_TYPES.has(pattern));
    if (!ok) throw errors.invalidArgument(`eventTypes: ${JSON.stringify(pattern.slice(0, 100))} is not an event type of the catalog (docs/events.md), a domain wildcard such as "file.*", or "*".`);
  }
  return [...new Set(patterns)];
}

/** Whether an event type is selected by a subscription's filter. */
export function matchesEventTypes(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}

/**
 * Checks an endpoint URL's form: absolute https (http only when the deployment allows it), a
 * host, no user name or password, no fragment, at most 2,048 characters. Where it resolves to is
 * checked separately (address policy), at creation and again on every attempt.
 */
export function validateEndpointUrl(text: string, options: { readonly allowHttp: boolean }): URL {
  if (text.length === 0 || text.length > MAX_URL_LENGTH) throw errors.invalidArgument(`url: give an absolute URL of at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw errors.invalidArgument('url: is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    throw errors.invalidArgument(options.allowHttp ? 'url: must be http or https.' : 'url: must be https.');
  }
  if (url.hostname === '') throw errors.invalidArgument('url: has no host.');
  if (url.username !== '' || url.password !== '') throw errors.invalidArgument('url: must not carry a user name or password; authenticate the request by its signature.');
  if (url.hash !== '') throw errors.invalidArgument('url: must not have a fragment.');
  return url;
}

/** A description: at most 256 characters, no control characters. */
export function validateDescription(text: string): string {
  if (text.length > MAX_DESCRIPTION_LENGTH) throw errors.invalidArgument(`description: at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw errors.invalidArgument('description: must not contain control characters.');
  return text;
}
