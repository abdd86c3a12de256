import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from './logger.js';

/** A real logger (the one every service runs) writing to memory instead of stdout. */
function capture(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ service: 'auth', level: 'debug', destination }), text: () => chunks.join('') };
}

/** A recognisable secret per case, so a leak names its case. */
const secret = (name: string): string => `LEAK-${name}-5f1c9e`;
const LEAK = /LEAK-[\w.[\]'-]+-5f1c9e/;

/** Logs `payload` once and returns the line, after checking it is one JSON object. */
function logged(payload: object, message = 'something happened'): string {
  const { logger, text } = capture();
  logger.info(payload, message);
  const output = text();
  expect(output.trim().split('\n')).toHaveLength(1);
  expect(() => JSON.parse(output) as unknown).not.toThrow();
  return output;
}

const withProps = (error: Error, props: Record<string, unknown>): Error => Object.assign(error, props);

describe('logger redaction: the shapes Coffer code logs', () => {
  it.each([
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
  ])('redacts a top-level %s', (key) => {
    const line = logged({ [key]: secret(key), user_id: 'u-1' });
    expect(line).not.toMatch(LEAK);
    expect(JSON.parse(line)).toMatchObject({ [key]: '[REDACTED]', user_id: 'u-1', msg: 'something happened' });
  });

  it.each<[string, object]>([
    ['req.headers.authorization', { req: { method: 'GET', headers: { authorization: `Bearer ${secret('req.headers.authorization')}`, accept: '*/*' } } }],
    ['req.headers.cookie', { req: { headers: { cookie: `sid=${secret('req.headers.cookie')}` } } }],
    ['req.headers.x-api-key', { req: { headers: { 'x-api-key': secret('req.headers.x-api-key') } } }],
    ['headers.authorization', { headers: { authorization: `Bearer ${secret('headers.authorization')}` } }],
    ['headers.cookie', { headers: { cookie: `sid=${secret('headers.cookie')}` } }],
    ['res.headers.set-cookie (one)', { res: { statusCode: 200, headers: { 'set-cookie': `sid=${secret('set-cookie-one')}; HttpOnly` } } }],
    ['res.headers.set-cookie (several)', { res: { headers: { 'set-cookie': [`a=${secret('set-cookie-a')}`, `b=${secret('set-cookie-b')}`] } } }],
    ['body.password', { body: { email: 'ada@example.com', password: secret('body.password') } }],
    ['body.refreshToken', { body: { refreshToken: secret('body.refreshToken') } }],
    ['subscription.secret', { subscription: { id: 'w-1', secret: `whsec_${secret('subscription.secret')}` } }],
    ['two levels deep', { request: { body: { newPassword: secret('two-levels') } } }],
  ])('redacts %s', (_path, payload) => {
    const line = logged(payload);
    expect(line).not.toMatch(LEAK);
    expect(line).toContain('[REDACTED]');
  });

  it('keeps the rest of a redacted request: only the secret goes', () => {
    const fields = JSON.parse(logged({ req: { method: 'POST', url: '/v1/auth/login', headers: { authorization: `Bearer ${secret('rest')}`, 'user-agent': 'sdk/1' } } })) as {
      req: { method: string; url: string; headers: Record<string, string> };
    };
    expect(fields.req).toEqual({ method: 'POST', url: '/v1/auth/login', headers: { authorization: '[REDACTED]', 'user-agent': 'sdk/1' } });
  });

  it.each<[string, object]>([
    ['a password property of err', { err: withProps(new Error('login failed'), { password: secret('err.password') }) }],
    ['a token property of err', { err: withProps(new Error('refresh failed'), { token: secret('err.token') }) }],
    ['err.headers.authorization', { err: withProps(new Error('upstream 401'), { headers: { authorization: `Bearer ${secret('err.headers')}` } }) }],
    ['a webhookSecret property of err', { err: withProps(new Error('delivery failed'), { webhookSecret: secret('err.webhookSecret') }) }],
    ['a token on err.cause', { err: new Error('outer', { cause: withProps(new Error('inner'), { token: secret('err.cause.token') }) }) }],
  ])('redacts %s', (_shape, payload) => {
    const line = logged(payload);
    expect(line).not.toMatch(LEAK);
    // The error itself is still there, serialized: type, message and stack.
    expect(line).toMatch(/"message":"(login failed|refresh failed|upstream 401|delivery failed|outer)/);
  });

  it.each<[string, object]>([
    ['tokens in an array of objects', { sessions: [{ id: 's-1', refreshToken: secret('sessions.0') }, { id: 's-2', refreshToken: secret('sessions.1') }] }],
    ['secrets in an array of subscriptions', { subscriptions: [{ id: 'w-1', secret: `whsec_${secret('subscriptions.0')}` }] }],
    ['authorization in an array of header objects', { attempts: [{ authorization: `Bearer ${secret('attempts.0')}` }] }],
  ])('redacts %s', (_shape, payload) => {
    const line = logged(payload);
    expect(line).not.toMatch(LEAK);
    expect(line).toContain('[REDACTED]');
  });

  it('redacts a child logger’s bindings', () => {
    const { logger, text } = capture();
    logger.child({ component: 'relay', token: secret('child') }).info('bound');
    expect(text()).not.toMatch(LEAK);
    expect(text()).toContain('[REDACTED]');
  });
});

/**
 * Redaction is by key. Free text is not inspected: a secret written into the message string (or
 * an Error's message, which becomes `err.message` and the first line of `err.stack`) reaches the
 * output as is. This is a known limitation, not something the logger can fix: code must never
 * interpolate secrets into messages. These tests document it; if redaction ever learns to scan
 * text, they fail and should be turned around.
 */
describe('logger redaction: known limitation (free text is not redacted)', () => {
  it('does not redact a secret inside the msg string', () => {
    const { logger, text } = capture();
    logger.info(`login with password ${secret('msg')}`);
    expect(text()).toContain(secret('msg'));
  });

  it('does not redact a secret inside an Error message', () => {
    const line = logged({ err: new Error(`bad token ${secret('err.message')}`) });
    expect(line).toContain(secret('err.message'));
  });
});

/**
 * Defects this suite found in the first logger (pino `redact` paths): keys were redacted only
 * down to two levels (`key`, `*.key`, `*.*.key`) and header names only in lower case under
 * `req.headers`/`headers`. logger.ts now redacts by key at any depth, case-insensitively.
 */
describe('logger redaction: deep, case-insensitive keys (defects found by this suite, fixed in logger.ts)', () => {
  it('redacts tokens in an array of objects nested in a body', () => {
    // Was a defect: body.items[0].token is three levels down; `*.*.token` does not reach it and the token is logged.
    expect(logged({ body: { items: [{ token: secret('body.items.0.token') }] } })).not.toMatch(LEAK);
  });

  it('redacts the authorization header of an HTTP client error (err.config.headers.authorization)', () => {
    // Was a defect: err.config.headers.authorization is three levels down; an axios/fetch-style error logged as `err` leaks the bearer token.
    expect(logged({ err: withProps(new Error('request failed'), { config: { headers: { authorization: `Bearer ${secret('err.config')}` } } }) })).not.toMatch(LEAK);
  });

  it('redacts credential headers whatever their case and name under `headers`', () => {
    // Was a defect: only lower-case `authorization`/`cookie` (and `x-api-key` under req.headers) are redacted:
    // `Authorization` as code writes it for outgoing requests, `x-api-key` and `proxy-authorization` under `headers` are logged.
    expect(logged({ headers: { Authorization: `Bearer ${secret('Authorization')}`, 'x-api-key': secret('x-api-key'), 'proxy-authorization': `Basic ${secret('proxy')}` } })).not.toMatch(LEAK);
  });
});
