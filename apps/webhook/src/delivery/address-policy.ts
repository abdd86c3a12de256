import { ConfigError } from '@coffer/platform';

/**
 * Why an address may not be the target of a webhook delivery. `unparseable` is anything that is
 * not a plain IPv4 dotted quad or an IPv6 address: what we cannot read, we do not connect to.
 */
export type AddressRefusal =
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'multicast'
  | 'unspecified'
  | 'metadata'
  | 'reserved'
  | 'unparseable';

/** What {@link classifyAddress} says about an address: reachable on the internet, or why not. */
export type AddressClass = 'public' | AddressRefusal;

/** The answer of {@link AddressPolicy.check}. */
export type AddressDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: AddressRefusal };

/** Options of {@link AddressPolicy}. */
export interface AddressPolicyOptions {
  /**
   * CIDRs (IPv4 or IPv6, e.g. `127.0.0.0/8`, `::1/128`; a bare address means a single host) that
   * are permitted even though {@link classifyAddress} refuses them. For local development and tests.
   * Cloud metadata addresses stay refused whatever this says (see {@link AddressPolicy}).
   */
  readonly allow?: readonly string[];
}

interface ParsedAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

interface Cidr extends ParsedAddress {
  readonly prefixLength: number;
}

/**
 * Metadata and host-service endpoints that hand out credentials or instance data. All of them
 * except the Azure and Oracle ones lie in ranges refused anyway; they get their own reason so
 * a log says what was being attempted, and so an allowlist can never open them.
 */
const metadataAddresses = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle IMDS
  '169.254.169.253', // AWS VPC DNS, Azure DNS
  '169.254.169.123', // AWS time sync
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS pod identity agent
  '169.254.0.23', // Tencent Cloud metadata
  '100.100.100.200', // Alibaba Cloud metadata
  '168.63.129.16', // Azure WireServer (a public address that only the Azure host answers)
  '192.0.0.192', // Oracle Cloud (classic) metadata
  'fd00:ec2:0:0:0:0:0:254', // AWS IMDS over IPv6
  'fd00:ec2:0:0:0:0:0:253', // AWS VPC DNS over IPv6
  'fd00:ec2:0:0:0:0:0:123', // AWS time sync over IPv6
  'fd00:ec2:0:0:0:0:0:23', // AWS EKS pod identity agent over IPv6
]);

/**
 * Classifies an IP address (no hostnames) as a webhook target: `'public'`, or the reason it is
 * refused. IPv6 addresses that embed an IPv4 address — IPv4-mapped (`::ffff:127.0.0.1`),
 * IPv4-compatible (`::127.0.0.1`), SIIT (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4
 * (`2002::/16`) — are classified by that IPv4 address, since that is where the packets end up.
 * A zone id (`fe80::1%eth0`) is accepted and ignored. IPv4 must be a strict dotted quad; forms
 * such as `0x7f.1` or `0177.0.0.1` are unparseable (WHATWG URL parsing already normalises them in
 * URL hostnames, so they only reach here from elsewhere).
 */
export function classifyAddress(ip: string): AddressClass {
  const parsed = parseAddress(ip);
  if (parsed === undefined) return 'unparseable';
  return parsed.family === 4 ? classifyIpv4(parsed.bytes) : classifyIpv6(parsed.bytes);
}

/**
 * Decides whether a webhook delivery may connect to an address: public addresses are allowed,
 * refused ones only when an `allow` CIDR contains them. An IPv4-mapped IPv6 address matches IPv4
 * CIDRs (and an IPv4 address matches `::ffff:0:0/96`-style CIDRs), since both name the same host.
 *
 * `metadata` is never overridden: a broad entry such as `169.254.0.0/16` or `0.0.0.0/0` must not
 * open the credential endpoints of the machine we run on.
 */
export class AddressPolicy {
  private readonly allow: readonly Cidr[];

  /** @throws ConfigError when an `allow` entry is not a CIDR. */
  constructor(options: AddressPolicyOptions = {}) {
    const problems: string[] = [];
    const allow: Cidr[] = [];
    for (const entry of options.allow ?? []) {
      const cidr = parseCidr(entry);
      if (cidr === undefined) problems.push(`webhook address allowlist: ${JSON.stringify(entry)} is not an IPv4 or IPv6 CIDR`);
      else allow.push(cidr);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    this.allow = allow;
  }

  /** Whether `ip` may be connected to, and if not, why. */
  check(ip: string): AddressDecision {
    const parsed = parseAddress(ip);
    if (parsed === undefined) return { allowed: false, reason: 'unparseable' };
    const addressClass = parsed.family === 4 ? classifyIpv4(parsed.bytes) : classifyIpv6(parsed.bytes);
    if (addressClass === 'public') return { allowed: true };
    if (addressClass !== 'metadata' && this.isAllowlisted(parsed)) return { allowed: true };
    return { allowed: false, reason: addressClass };
  }

  private isAllowlisted(address: ParsedAddress): boolean {
    const candidates = [address];
    if (address.family === 4) candidates.push({ family: 6, bytes: ipv4Mapped(address.bytes) });
    else if (isIpv4Mapped(address.bytes)) candidates.push({ family: 4, bytes: address.bytes.subarray(12) });
    return this.allow.some((cidr) => candidates.some((candidate) => cidrContains(cidr, candidate)));
  }
}

function classifyIpv4(bytes: Uint8Array): AddressClass {
  const [a = 0, b = 0, c = 0] = bytes;
  if (metadataAddresses.has(bytes.join('.'))) return 'metadata';
  if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this network"; 0.0.0.0 reaches localhost on Linux
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && (b & 0xc0) === 64) return 'private'; // 100.64.0.0/10 carrier-grade NAT
  if (a === 169 && b === 254) return 'link_local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved'; // 240.0.0.0/4 and the limited broadcast 255.255.255.255
  if (a === 192 && b === 0 && c === 0) return 'reserved'; // IETF protocol assignments
  if (a === 192 && b === 0 && c === 2) return 'reserved'; // TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return 'reserved'; // deprecated 6to4 relay anycast
  if (a === 198 && (b & 0xfe) === 18) return 'reserved'; // 198.18.0.0/15 benchmarking
  if (a === 198 && b === 51 && c === 100) return 'reserved'; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return 'reserved'; // TEST-NET-3
  return 'public';
}

function classifyIpv6(bytes: Uint8Array): AddressClass {
  const word = (index: number): number => ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0);
  const zeroWords = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (word(i) !== 0) return false;
    return true;
  };
  const embeddedIpv4 = (offset: number): AddressClass => classifyIpv4(bytes.subarray(offset, offset + 4));

  if (metadataAddresses.has(wordsText(bytes))) return 'metadata';
  if (zeroWords(0, 8)) return 'unspecified';
  if (zeroWords(0, 7) && word(7) === 1) return 'loopback';
  if (isIpv4Mapped(bytes)) return embeddedIpv4(12); // ::ffff:0:0/96
  if (zeroWords(0, 4) && word(4) === 0xffff && word(5) === 0) return embeddedIpv4(12); // ::ffff:0:0:0/96 SIIT
  if (zeroWords(0, 6)) return embeddedIpv4(12); // ::/96 IPv4-compatible (deprecated)
  if (word(0) === 0x64 && word(1) === 0xff9b && zeroWords(2, 6)) return embeddedIpv4(12); // 64:ff9b::/96 NAT64
  // 64:ff9b:1::/48 is for local NAT64 prefixes whose IPv4 position depends on the operator's
  // prefix length, so the target cannot be known: treat it as the internal network it serves.
  if (word(0) === 0x64 && word(1) === 0xff9b && word(2) === 1) return 'private';
  if (word(0) === 0x2002) return embeddedIpv4(2); // 2002::/16 6to4: 2002:AABB:CCDD::
  if (word(0) === 0x100 && zeroWords(1, 4)) return 'reserved'; // 100::/64 discard
  if (((bytes[0] ?? 0) & 0xfe) === 0xfc) return 'private'; // fc00::/7 unique local
  if ((word(0) & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((word(0) & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 deprecated site-local
  if (bytes[0] === 0xff) return 'multicast'; // ff00::/8
  // 2001::/23 IETF protocol assignments: Teredo (2001::/32, with an obfuscated embedded IPv4),
  // benchmarking, ORCHID. Nothing a webhook receiver lives on.
  if (word(0) === 0x2001 && word(1) < 0x200) return 'reserved';
  if (word(0) === 0x2001 && word(1) === 0xdb8) return 'reserved'; // 2001:db8::/32 documentation
  if (word(0) === 0x3fff && (word(1) & 0xf000) === 0) return 'reserved'; // 3fff::/20 documentation
  // Only 2000::/3 is allocated as global unicast; everything else is unassigned or special.
  if ((word(0) & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function ipv4Mapped(ipv4: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(ipv4, 12);
  return bytes;
}

/** Uncompressed lower-case hex words (`fd00:ec2:0:0:0:0:0:254`), for set look-ups. */
function wordsText(bytes: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return words.join(':');
}

function parseAddress(text: string): ParsedAddress | undefined {
  const ipv4 = parseIpv4(text);
  if (ipv4 !== undefined) return { family: 4, bytes: ipv4 };
  const ipv6 = parseIpv6(text, true);
  return ipv6 === undefined ? undefined : { family: 6, bytes: ipv6 };
}

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const match = ipv4Pattern.exec(text);
  if (match === null) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = match[i + 1] ?? '';
    // A leading zero means octal to inet_aton: refuse the ambiguity rather than guess.
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

const hexWordPattern = /^[0-9a-fA-F]{1,4}$/;

function parseIpv6(text: string, allowZone: boolean): Uint8Array | undefined {
  let address = text;
  const zoneStart = text.indexOf('%');
  if (zoneStart !== -1) {
    if (!allowZone || zoneStart === text.length - 1) return undefined;
    address = text.slice(0, zoneStart);
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseWords(halves[0] ?? '', !compressed);
  const tail = compressed ? parseWords(halves[1] ?? '', true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const explicitWords = head.length + tail.length;
  if (compressed ? explicitWords > 7 : explicitWords !== 8) return undefined;
  const words = [...head, ...new Array<number>(8 - explicitWords).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((value, index) => {
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** Colon-separated hex words; the last may be a dotted quad (two words) when `mayEndInIpv4`. */
function parseWords(text: string, mayEndInIpv4: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const words: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (mayEndInIpv4 && index === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      words.push(((ipv4[0] ?? 0) << 8) | (ipv4[1] ?? 0), ((ipv4[2] ?? 0) << 8) | (ipv4[3] ?? 0));
    } else if (hexWordPattern.test(part)) {
      words.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ipv4 = parseIpv4(addressText);
  const ipv6 = ipv4 === undefined ? parseIpv6(addressText, false) : undefined;
  const address: ParsedAddress | undefined =
    ipv4 !== undefined ? { family: 4, bytes: ipv4 } : ipv6 !== undefined ? { family: 6, bytes: ipv6 } : undefined;
  if (address === undefined) return undefined;
  const maxLength = address.family === 4 ? 32 : 128;
  if (slash === -1) return { ...address, prefixLength: maxLength };
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  return prefixLength <= maxLength ? { ...address, prefixLength } : undefined;
}

function cidrContains(cidr: Cidr, address: ParsedAddress): boolean {
  if (cidr.family !== address.family) return false;
  const fullBytes = Math.floor(cidr.prefixLength / 8);
  for (let i = 0; i < fullBytes; i++) if (cidr.bytes[i] !== address.bytes[i]) return false;
  const remainingBits = cidr.prefixLength % 8;
  if (remainingBits === 0) return true;
  const mask = (0xff << (8 - remainingBits)) & 0xff;
  return ((cidr.bytes[fullBytes] ?? 0) & mask) === ((address.bytes[fullBytes] ?? 0) & mask);
}
