import { describe, expect, it } from 'vitest';
import { createEvent } from './cloud-event.js';
import { eventParties, isEventVisibleTo } from './event-parties.js';

const alice = '0190a0a0-0000-7000-8000-00000000000a';
const bob = '0190a0a0-0000-7000-8000-00000000000b';
const file = '0190a0a0-0000-7000-8000-0000000000f1';

describe('eventParties / isEventVisibleTo', () => {
  it('reads actor and owner of a file event; a stranger does not see it', () => {
    const event = createEvent({ type: 'file.uploaded', source: '/coffer/metadata', subject: file, data: { actorId: bob, ownerId: alice } });
    expect(eventParties(event)).toEqual({ actorId: bob, ownerId: alice });
    expect(isEventVisibleTo(event, alice)).toBe(true);
    expect(isEventVisibleTo(event, bob)).toBe(true);
    expect(isEventVisibleTo(event, '0190a0a0-0000-7000-8000-0000000000cc')).toBe(false);
    expect(isEventVisibleTo(event, '')).toBe(false);
  });

  it('makes the user of auth.* and user.* events their owner, but not of other domains', () => {
    expect(eventParties(createEvent({ type: 'auth.login_succeeded', source: '/coffer/auth', subject: 's', data: { userId: alice } }))).toEqual({ actorId: alice, ownerId: alice });
    expect(eventParties(createEvent({ type: 'share.granted', source: '/coffer/policy', subject: 's', data: { userId: alice } }))).toEqual({ actorId: alice, ownerId: '' });
  });

  it('lets the subject see an event about them', () => {
    const event = createEvent({ type: 'user.updated', source: '/coffer/user', subject: bob, data: { actorId: alice } });
    expect(isEventVisibleTo(event, bob)).toBe(true);
  });
});
