import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../grpc/grpc-test.fixture.js';
import { runWithRequestContext, sanitizeRequestId } from './request-context.js';

describe('logger', () => {
  it('writes JSON lines with time, level, service and msg', () => {
    const { logger, lines } = capturingLogger('auth', 'info');
    logger.info({ answer: 42 }, 'hello');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', service: 'auth', msg: 'hello', answer: 42 });
    expect(typeof line?.['time']).toBe('string');
  });

  it('carries request and user ids from the request context', () => {
    const { logger, lines } = capturingLogger('gateway', 'info');
    runWithRequestContext({ requestId: 'r-1', userId: 'u-1' }, () => logger.info('in request'));
    expect(lines()[0]).toMatchObject({ request_id: 'r-1', user_id: 'u-1' });
  });

  it.each([
    ['password', { password: 'pw-SECRET-1' }],
    ['nested token', { body: { refreshToken: 'rt-SECRET-2' } }],
    ['authorization header', { req: { headers: { authorization: 'Bearer SECRET-3' } } }],
    ['cookie header', { headers: { cookie: 'sid=SECRET-4' } }],
    ['webhook secret', { subscription: { secret: 'whsec_SECRET-5' } }],
    ['two levels deep', { a: { b: { accessToken: 'SECRET-6' } } }],
    ['set-cookie', { res: { headers: { 'set-cookie': 'sid=SECRET-7' } } }],
  ])('redacts a %s', (_name, payload) => {
    const { logger, text } = capturingLogger('auth', 'info');
    logger.info(payload, 'something happened');
    expect(text()).toContain('[REDACTED]');
    expect(text()).not.toMatch(/SECRET-\d/);
  });
});

describe('sanitizeRequestId', () => {
  it('keeps plain ids and drops odd ones', () => {
    expect(sanitizeRequestId('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    expect(sanitizeRequestId('a'.repeat(129))).toBeUndefined();
    expect(sanitizeRequestId('evil\nline')).toBeUndefined();
    expect(sanitizeRequestId(42)).toBeUndefined();
  });
});
