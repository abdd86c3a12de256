import { describe, expect, it } from 'vitest';
import { deadLetterTopic, topicForEventType } from './topic-naming.js';

describe('topic naming', () => {
  it('derives coffer.<domain>.v1 from the type prefix', () => {
    expect(topicForEventType('auth.login_succeeded')).toBe('coffer.auth.v1');
    expect(topicForEventType('files.version.created')).toBe('coffer.files.v1');
    expect(topicForEventType('files.uploaded', 'test-1')).toBe('test-1.files.v1');
  });

  it('puts dead letters next to their topic', () => {
    expect(deadLetterTopic('coffer.auth.v1')).toBe('coffer.auth.v1.dlq');
  });

  it('refuses a type without a domain', () => {
    expect(() => topicForEventType('login')).toThrow(/Invalid event type/);
    expect(() => topicForEventType('.login')).toThrow(/Invalid event type/);
  });
});
