import { ConfigError } from '@coffer/platform';
import { describe, expect, it } from 'vitest';
import { AddressPolicy, classifyAddress, type AddressClass } from './address-policy.js';

const table: ReadonlyArray<readonly [string, AddressClass]> = [
  // IPv4 public
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  ['172.32.0.1', 'public'],
  ['172.15.255.255', 'public'],
  ['100.128.0.1', 'public'],
  ['100.63.255.255', 'public'],
  ['198.20.0.1', 'public'],
  ['223.255.255.255', 'public'],
  // IPv4 refused
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  ['169.254.1.1', 'link_local'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['192.88.99.1', 'reserved'],
  // IPv6 public
  ['2606:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['2a00:1450:4001:82b::200e', 'public'],
  ['2606:4700:4700:0000:0000:0000:0000:1111', 'public'],
  ['2002:5db8:d822::1', 'public'], // 6to4 of 93.184.216.34
  ['64:ff9b::8.8.8.8', 'public'], // NAT64 of a public address
  // IPv6 refused
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf::1', 'link_local'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast'],
  ['fd00:ec2::254', 'metadata'],
  ['FD00:EC2:0::254', 'metadata'],
  ['2001:db8::1', 'reserved'],
  ['2001:0db8:85a3::8a2e:370:7334', 'reserved'],
  ['100::1', 'reserved'],
  ['2001::1', 'reserved'], // Teredo
  ['3fff::1', 'reserved'],
  ['4000::1', 'reserved'], // outside 2000::/3
  ['::2:1', 'unspecified'], // IPv4-compatible form of 0.2.0.1
  // IPv6 embedding an IPv4 address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:a00:1', 'private'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:0:127.0.0.1', 'loopback'], // SIIT
  ['::127.0.0.1', 'loopback'], // IPv4-compatible
  ['::10.1.2.3', 'private'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::a00:1', 'private'],
  ['64:ff9b::169.254.169.254', 'metadata'],
  ['64:ff9b:1::1', 'private'],
  ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:0a00:0001::', 'private'], // 6to4 of 10.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['2002:a9fe:a9fe::', 'metadata'], // 6to4 of 169.254.169.254
  // Unparseable
  ['', 'unparseable'],
  ['localhost', 'unparseable'],
  ['example.com', 'unparseable'],
  ['256.1.1.1', 'unparseable'],
  ['1.2.3', 'unparseable'],
  ['1.2.3.4.5', 'unparseable'],
  ['0177.0.0.1', 'unparseable'],
  ['0x7f.0.0.1', 'unparseable'],
  ['2130706433', 'unparseable'],
  [' 8.8.8.8', 'unparseable'],
  ['1::2::3', 'unparseable'],
  [':::', 'unparseable'],
  [':1::', 'unparseable'],
  ['1:2:3:4:5:6:7:8:9', 'unparseable'],
  ['1:2:3:4:5:6:7', 'unparseable'],
  ['1:2:3:4:5:6:7::8', 'unparseable'],
  ['12345::1', 'unparseable'],
  ['g::1', 'unparseable'],
  ['[::1]', 'unparseable'],
  ['fe80::1%', 'unparseable'],
  ['1.2.3.4::', 'unparseable'],
  ['::ffff:127.0.0.256', 'unparseable'],
];

describe('classifyAddress', () => {
  it.each(table)('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });
});

describe('AddressPolicy', () => {
  it('allows public addresses and refuses the rest with the reason', () => {
    const policy = new AddressPolicy();
    expect(policy.check('8.8.8.8')).toEqual({ allowed: true });
    expect(policy.check('2606:4700::1111')).toEqual({ allowed: true });
    expect(policy.check('127.0.0.1')).toEqual({ allowed: false, reason: 'loopback' });
    expect(policy.check('::ffff:10.0.0.1')).toEqual({ allowed: false, reason: 'private' });
    expect(policy.check('not-an-ip')).toEqual({ allowed: false, reason: 'unparseable' });
  });

  it('permits refused addresses inside an allow CIDR, and only those', () => {
    const policy = new AddressPolicy({ allow: ['127.0.0.0/8', '::1/128'] });
    expect(policy.check('127.0.0.1')).toEqual({ allowed: true });
    expect(policy.check('127.1.2.3')).toEqual({ allowed: true });
    expect(policy.check('::1')).toEqual({ allowed: true });
    expect(policy.check('::ffff:127.0.0.1')).toEqual({ allowed: true }); // the same host as 127.0.0.1
    expect(policy.check('10.0.0.1')).toEqual({ allowed: false, reason: 'private' });
    expect(policy.check('::2')).toEqual({ allowed: false, reason: 'unspecified' });
    expect(policy.check('0.0.0.0')).toEqual({ allowed: false, reason: 'unspecified' });
  });

  it('matches prefixes that are not byte aligned', () => {
    const policy = new AddressPolicy({ allow: ['172.16.0.0/13', 'fd00::/9'] });
    expect(policy.check('172.23.255.255')).toEqual({ allowed: true });
    expect(policy.check('172.24.0.1')).toEqual({ allowed: false, reason: 'private' });
    expect(policy.check('fd7f::1')).toEqual({ allowed: true });
    expect(policy.check('fd80::1')).toEqual({ allowed: false, reason: 'private' });
  });

  it('treats a bare address as a single host and matches v4 against mapped v6 CIDRs', () => {
    const policy = new AddressPolicy({ allow: ['10.0.0.5', '::ffff:192.168.0.0/112'] });
    expect(policy.check('10.0.0.5')).toEqual({ allowed: true });
    expect(policy.check('10.0.0.6')).toEqual({ allowed: false, reason: 'private' });
    expect(policy.check('192.168.4.4')).toEqual({ allowed: true });
  });

  it('never lets the allowlist open metadata endpoints', () => {
    const policy = new AddressPolicy({ allow: ['0.0.0.0/0', '::/0'] });
    expect(policy.check('10.0.0.1')).toEqual({ allowed: true });
    expect(policy.check('169.254.169.254')).toEqual({ allowed: false, reason: 'metadata' });
    expect(policy.check('fd00:ec2::254')).toEqual({ allowed: false, reason: 'metadata' });
    expect(policy.check('::ffff:169.254.169.254')).toEqual({ allowed: false, reason: 'metadata' });
  });

  it.each(['127.0.0.0/33', '::1/129', 'localhost/8', '10.0.0.0/', '10.0.0.0/-1', 'fe80::1%eth0/64', ''])(
    'rejects the allow entry %j at construction',
    (entry) => {
      expect(() => new AddressPolicy({ allow: [entry] })).toThrow(ConfigError);
    },
  );
});
