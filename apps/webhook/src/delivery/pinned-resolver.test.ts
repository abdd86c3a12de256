import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy.js';
import { PinnedResolver, pinnedLookup, type Resolve, type ResolvedAddress } from './pinned-resolver.js';

function fakeResolve(records: Record<string, readonly ResolvedAddress[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    const answer = records[hostname];
    if (answer === undefined) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(answer);
  };
  return Object.assign(resolve, { calls });
}

const records: Record<string, readonly ResolvedAddress[]> = {
  'evil.test': [{ address: '10.0.0.5', family: 4 }],
  'mixed.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'public.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '2606:4700::1111', family: 6 },
  ],
  'empty.test': [],
  'garbage.test': [{ address: 'not-an-address', family: 4 }],
};

describe('PinnedResolver', () => {
  const policy = new AddressPolicy();

  it('pins the first address when every address is public', async () => {
    const resolve = fakeResolve(records);
    const outcome = await new PinnedResolver({ policy, resolve }).pin('public.test');
    expect(outcome).toEqual({ ok: true, pinned: { hostname: 'public.test', address: '93.184.216.34', family: 4 } });
    expect(resolve.calls).toEqual(['public.test']);
  });

  it('refuses a name that resolves to a private address', async () => {
    const outcome = await new PinnedResolver({ policy, resolve: fakeResolve(records) }).pin('evil.test');
    expect(outcome).toMatchObject({ ok: false, reason: 'refused_address', refusal: 'private' });
    // The refused address is not disclosed to the subscription's owner.
    expect(outcome.ok ? '' : outcome.detail).not.toContain('10.0.0.5');
  });

  it('refuses a name when any of its addresses is refused, not only the first', async () => {
    const outcome = await new PinnedResolver({ policy, resolve: fakeResolve(records) }).pin('mixed.test');
    expect(outcome).toMatchObject({ ok: false, reason: 'refused_address', refusal: 'loopback' });
  });

  it.each([
    ['metadata.test', 'metadata'],
    ['mapped.test', 'loopback'],
    ['garbage.test', 'unparseable'],
  ])('refuses %s as %s', async (hostname, refusal) => {
    const outcome = await new PinnedResolver({ policy, resolve: fakeResolve(records) }).pin(hostname);
    expect(outcome).toMatchObject({ ok: false, reason: 'refused_address', refusal });
  });

  it('checks IP literals without a lookup, with or without IPv6 brackets', async () => {
    const resolve = fakeResolve(records);
    const resolver = new PinnedResolver({ policy: new AddressPolicy({ allow: ['::1/128'] }), resolve });
    expect(await resolver.pin('8.8.8.8')).toEqual({ ok: true, pinned: { hostname: '8.8.8.8', address: '8.8.8.8', family: 4 } });
    expect(await resolver.pin('[::1]')).toEqual({ ok: true, pinned: { hostname: '::1', address: '::1', family: 6 } });
    expect(await resolver.pin('[::ffff:7f00:1]')).toMatchObject({ ok: false, reason: 'refused_address', refusal: 'loopback' });
    expect(await resolver.pin('10.1.1.1')).toMatchObject({ ok: false, reason: 'refused_address', refusal: 'private' });
    expect(resolve.calls).toEqual([]);
  });

  it('reports resolution failures and empty answers as dns', async () => {
    const resolver = new PinnedResolver({ policy, resolve: fakeResolve(records) });
    expect(await resolver.pin('unknown.test')).toEqual({ ok: false, reason: 'dns', detail: 'could not resolve the host name (ENOTFOUND)' });
    expect(await resolver.pin('empty.test')).toMatchObject({ ok: false, reason: 'dns' });
    expect(await resolver.pin('')).toMatchObject({ ok: false, reason: 'dns' });
  });

  it('refuses the real localhost through the system resolver unless allowlisted', async () => {
    expect(await new PinnedResolver({ policy }).pin('localhost')).toMatchObject({ ok: false, reason: 'refused_address', refusal: 'loopback' });
    const allowed = await new PinnedResolver({ policy: new AddressPolicy({ allow: ['127.0.0.0/8', '::1/128'] }) }).pin('localhost');
    expect(allowed).toMatchObject({ ok: true, pinned: { hostname: 'localhost' } });
  });

  it('reports a name that does not exist through the system resolver as dns', async () => {
    expect(await new PinnedResolver({ policy }).pin('no-such-host.invalid')).toMatchObject({ ok: false, reason: 'dns' });
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup({ hostname: 'hooks.example', address: '93.184.216.34', family: 4 });

  it('answers with the pinned address whatever it is asked, in the single-address shape', () => {
    let answer: unknown[] = [];
    lookup('anything.else', {}, (...args) => {
      answer = args;
    });
    expect(answer).toEqual([null, '93.184.216.34', 4]);
  });

  it('answers with the pinned address in the all-addresses shape used by autoSelectFamily', () => {
    let addresses: string | LookupAddress[] = '';
    lookup('hooks.example', { all: true }, (error, result) => {
      expect(error).toBeNull();
      addresses = result;
    });
    expect(addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });
});
