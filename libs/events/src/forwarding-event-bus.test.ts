import { describe, expect, it } from 'vitest';
import { createEvent } from './cloud-event.js';
import { platformEventSchemaRegistry } from './create-event-bus-from-url.js';
import { ForwardingEventBus } from './forwarding-event-bus.js';

const userId = '0190f5d2-7a6b-7c3d-8e9f-0a1b2c3d4e5f';
const valid = () => createEvent({ type: 'user.created', source: 'test', subject: userId, data: { userId } });

describe('ForwardingEventBus', () => {
  it('forwards serialized events in order', async () => {
    const forwarded: string[][] = [];
    const bus = new ForwardingEventBus({ registry: platformEventSchemaRegistry(), forward: (json) => Promise.resolve(void forwarded.push([...json])) });
    const [first, second] = [valid(), valid()];
    await bus.publish([first, second]);
    expect(forwarded).toEqual([[JSON.stringify(first), JSON.stringify(second)]]);
  });

  it('forwards nothing when one event is invalid', async () => {
    const forwarded: string[][] = [];
    const bus = new ForwardingEventBus({ registry: platformEventSchemaRegistry(), forward: (json) => Promise.resolve(void forwarded.push([...json])) });
    const bad = createEvent({ type: 'user.created', source: 'test', subject: userId, data: { userId: 'not-a-uuid' } });
    await expect(bus.publish([valid(), bad])).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(forwarded).toEqual([]);
  });

  it('passes a failed forward on (the relay keeps the rows and retries), refuses subscribers, and closes', async () => {
    const bus = new ForwardingEventBus({ registry: platformEventSchemaRegistry(), forward: () => Promise.reject(new Error('host down')) });
    await expect(bus.publish([valid()])).rejects.toThrow('host down');
    await expect(bus.subscribe({ group: 'g', topics: ['coffer.user.v1'], handler: () => Promise.resolve() })).rejects.toMatchObject({ code: 'not_implemented' });
    await bus.close();
    await expect(bus.publish([valid()])).rejects.toMatchObject({ code: 'unavailable' });
  });
});
