import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createEvent, parseEvent, serializeEvent, type NewEvent } from './cloud-event.js';

const base: NewEvent = { type: 'auth.login_succeeded', source: '/coffer/auth', subject: 'user-1', data: { method: 'password' } };

function detailOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_argument');
    return (error as AppError).detail;
  }
  throw new Error('expected an AppError');
}

describe('createEvent', () => {
  it('fills in the CloudEvents 1.0 attributes', () => {
    const event = createEvent(base);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      source: '/coffer/auth',
      type: 'auth.login_succeeded',
      specversion: '1.0',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      subject: 'user-1',
      datacontenttype: 'application/json',
      data: { method: 'password' },
    });
    expect(createEvent(base).id).not.toBe(event.id);
  });

  it('keeps a given id, time (Date or string) and trace context', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const event = createEvent({ ...base, id: 'evt-1', time: new Date('2026-11-26T12:00:00Z'), traceparent, tracestate: 'vendor=x' });
    expect(event).toMatchObject({ id: 'evt-1', time: '2026-11-26T12:00:00.000Z', traceparent, tracestate: 'vendor=x' });
    expect(createEvent({ ...base, time: '2026-11-26T12:00:00+01:00' }).time).toBe('2026-11-26T12:00:00+01:00');
  });

  it.each([
    ['type', { type: 'Auth.Login' }, /attribute "type" must match pattern/],
    ['type without a domain', { type: 'login' }, /attribute "type"/],
    ['empty subject', { subject: '' }, /attribute "subject"/],
    ['empty source', { source: '' }, /attribute "source"/],
    ['empty id', { id: '' }, /attribute "id"/],
    ['time', { time: 'yesterday' }, /attribute "time" must match format "date-time"/],
    ['traceparent', { traceparent: '00-abc-01' }, /attribute "traceparent" must match pattern/],
    ['tracestate without traceparent', { tracestate: 'a=b' }, /"tracestate" requires "traceparent"/],
  ])('refuses a bad %s with invalid_argument naming the attribute', (_name, override, detail) => {
    expect(detailOf(() => createEvent({ ...base, ...override }))).toMatch(detail);
  });
});

describe('parseEvent', () => {
  it('round-trips what serializeEvent wrote, from a string or bytes', () => {
    const event = createEvent({ ...base, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
    expect(parseEvent(serializeEvent(event))).toEqual(event);
    expect(parseEvent(Buffer.from(serializeEvent(event)))).toEqual(event);
  });

  it('refuses text that is not JSON', () => {
    expect(detailOf(() => parseEvent('{"id":'))).toBe('Invalid event: not a JSON document.');
  });

  it('refuses a document that is not an object', () => {
    expect(detailOf(() => parseEvent('[1,2]'))).toMatch(/attribute "event" must be object/);
  });

  it.each([
    ['missing id', (e: Record<string, unknown>) => delete e['id'], /attribute "id" is required/],
    ['missing data', (e: Record<string, unknown>) => delete e['data'], /attribute "data" is required/],
    ['missing subject', (e: Record<string, unknown>) => delete e['subject'], /attribute "subject" is required/],
    ['another specversion', (e: Record<string, unknown>) => (e['specversion'] = '0.3'), /attribute "specversion" must be equal to constant/],
    ['another content type', (e: Record<string, unknown>) => (e['datacontenttype'] = 'text/plain'), /attribute "datacontenttype"/],
    ['a numeric id', (e: Record<string, unknown>) => (e['id'] = 7), /attribute "id" must be string/],
    ['an unknown attribute', (e: Record<string, unknown>) => (e['dataschema'] = 'x'), /attribute "dataschema" is not allowed/],
  ])('refuses an envelope with %s, naming the attribute', (_name, mutate, detail) => {
    const document = JSON.parse(serializeEvent(createEvent(base))) as Record<string, unknown>;
    mutate(document);
    expect(detailOf(() => parseEvent(JSON.stringify(document)))).toMatch(detail);
  });
});
