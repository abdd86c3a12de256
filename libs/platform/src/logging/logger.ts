import { trace } from '@opentelemetry/api';
import { destination, pino, type DestinationStream, type Logger } from 'pino';
import { currentRequestContext } from './request-context.js';

export type { Logger } from 'pino';

/**
 * Keys whose values never reach the logs, at the top level and up to two levels deep, plus the
 * request/response header locations that carry credentials.
 */
const sensitiveKeys = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'idToken',
  'secret',
  'clientSecret',
  'webhookSecret',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
  'set-cookie',
];

const pathSegment = (key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

export const redactedPaths: readonly string[] = [
  ...sensitiveKeys.flatMap((key) => {
    const segment = pathSegment(key);
    return [segment.startsWith('.') ? segment.slice(1) : segment, `*${segment}`, `*.*${segment}`];
  }),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout unless a test captures them. */
  destination?: DestinationStream;
}

/**
 * JSON lines on stdout: time, level, service, msg, and trace_id/span_id/request_id/user_id when
 * known. Secrets are redacted by key (see `redactedPaths`).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactedPaths], censor: '[REDACTED]' },
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
}
