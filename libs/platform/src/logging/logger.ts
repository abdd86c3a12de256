import { trace } from '@opentelemetry/api';
import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { currentRequestContext } from './request-context.js';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach the logs, at any depth (objects, arrays, errors' own
 * properties), compared case-insensitively and ignoring `-` and `_`: `Authorization`,
 * `proxy-authorization`, `x-api-key`, `access_token` are all caught. What is redacted is the
 * value of such a key; a secret written into the message text itself is not (never do that).
 */
const sensitiveKeys = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'secret',
  'clientSecret',
  'webhookSecret',
  'apiKey',
  'xApiKey',
  'privateKey',
  'authorization',
  'proxyAuthorization',
  'cookie',
  'setCookie',
];

const normalizeKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');
const SENSITIVE: ReadonlySet<string> = new Set(sensitiveKeys.map(normalizeKey));
const CENSOR = '[REDACTED]';
/** Deeper structures are cut (logged as a marker): log lines stay small and the walk bounded. */
const MAX_DEPTH = 10;

/** Whether a log field name holds a credential (see {@link sensitiveKeys}). */
export function isSensitiveLogKey(key: string): boolean {
  return SENSITIVE.has(normalizeKey(key));
}

/**
 * A copy of `value` with the value of every sensitive key replaced by `[REDACTED]`, at any
 * depth. Errors become plain objects of their message, stack and own properties (pino's `err`
 * serializer has usually done that already).
 */
export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item: unknown) => redactSecrets(item, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const source: Record<string, unknown> =
    value instanceof Error ? { type: value.name, message: value.message, stack: value.stack, ...(value as unknown as Record<string, unknown>) } : (value as Record<string, unknown>);
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(source)) copy[key] = isSensitiveLogKey(key) && field !== undefined ? CENSOR : redactSecrets(field, depth + 1, seen);
  return copy;
}

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
}

/**
 * JSON lines on stdout: time, level, service, msg, and trace_id/span_id/request_id/user_id when
 * known. Secrets are redacted by key at any depth, in log fields and child bindings (see `redactSecrets`).
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
      mixin() {
        const fields: Record<string, string> = {};
        const spanContext = trace.getActiveSpan()?.spanContext();
        if (spanContext) {
          fields['trace_id'] = spanContext.traceId;
          fields['span_id'] = spanContext.spanId;
        }
        const request = currentRequestContext();
        if (request) {
          fields['request_id'] = request.requestId;
          if (request.userId) fields['user_id'] = request.userId;
        }
        return fields;
      },
    },
    options.destination ?? destination({ fd: 1, sync: false }),
  );
  // pino formats a child's bindings once, without the log formatter: redact them on the way in.
  // Children inherit this method, and `this` is the logger the child is made from.
  const makeChild = (Object.getPrototypeOf(logger) as Pick<Logger, 'child'>).child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return makeChild.call(this, redactSecrets(bindings) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}
