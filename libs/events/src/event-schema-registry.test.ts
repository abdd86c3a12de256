import { AppError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { createEvent, type JsonValue } from './cloud-event.js';
import { EventSchemaRegistry } from './event-schema-registry.js';

const loginSucceeded = {
  type: 'object',
  required: ['userId', 'method'],
  properties: {
    userId: { type: 'string', minLength: 1 },
    method: { enum: ['password', 'passkey'] },
    at: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
};

function registry(): EventSchemaRegistry {
  return new EventSchemaRegistry().register('auth.login_succeeded', loginSucceeded).register('files.uploaded', { type: 'object' });
}

function event(type: string, data: { readonly [key: string]: JsonValue }) {
  return createEvent({ type, source: '/coffer/test', subject: 'x', data });
}

function failure(action: () => void): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('EventSchemaRegistry', () => {
  it('accepts data that matches the schema of its type', () => {
    expect(() => registry().validate(event('auth.login_succeeded', { userId: 'u1', method: 'passkey', at: '2026-11-26T12:00:00Z' }))).not.toThrow();
  });

  it('lists and knows its types', () => {
    expect(registry().types()).toEqual(['auth.login_succeeded', 'files.uploaded']);
    expect(registry().has('files.uploaded')).toBe(true);
    expect(registry().has('files.deleted')).toBe(false);
  });

  it('refuses unknown types', () => {
    const error = failure(() => registry().validate(event('files.deleted', {})));
    expect(error).toMatchObject({ code: 'invalid_argument', detail: 'Unknown event type files.deleted.' });
  });

  it.each([
    [{ method: 'password' }, '"data.userId" is required'],
    [{ userId: 'u1', method: 'sms' }, '"data.method" must be equal to one of the allowed values'],
    [{ userId: 'u1', method: 'password', at: 'noon' }, '"data.at" must match format "date-time"'],
    [{ userId: 'u1', method: 'password', extra: 1 }, '"data.extra" is not allowed'],
  ])('refuses data %j, naming the field', (data, detail) => {
    const error = failure(() => registry().validate(event('auth.login_succeeded', data)));
    expect(error.code).toBe('invalid_argument');
    expect(error.detail).toBe(`Invalid auth.login_succeeded event: ${detail}.`);
  });

  it('refuses data of the wrong JSON type at the top', () => {
    const strict = new EventSchemaRegistry().register('files.uploaded', { type: 'object' });
    const error = failure(() => strict.validate(createEvent({ type: 'files.uploaded', source: '/s', subject: 'f', data: [1] })));
    expect(error.detail).toBe('Invalid files.uploaded event: "data" must be object.');
  });

  it('refuses a second schema for a type, a malformed type and an invalid schema', () => {
    expect(failure(() => registry().register('files.uploaded', {})).code).toBe('conflict');
    expect(failure(() => new EventSchemaRegistry().register('Files', {})).code).toBe('invalid_argument');
    expect(failure(() => new EventSchemaRegistry().register('files.x', { type: 'no-such-type' })).code).toBe('invalid_argument');
  });
});
