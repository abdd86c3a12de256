import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy, AddressRefusal } from './address-policy.js';

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a hostname to all of its addresses. Injectable so tests need no DNS. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * The system resolver (`getaddrinfo`, so /etc/hosts applies, as it would for any client on this
 * machine), returning every address in the order the resolver gave them.
 */
export const systemResolve: Resolve = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.flatMap((answer): ResolvedAddress[] =>
    answer.family === 4 || answer.family === 6 ? [{ address: answer.address, family: answer.family }] : [],
  );
};

/** A hostname together with the one checked address a connection to it must use. */
export interface PinnedAddress {
  /** The hostname as it appears in the URL, without IPv6 brackets: for Host, SNI and certificates. */
  readonly hostname: string;
  /** The checked address to connect to; nothing else may be connected to for this request. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** The outcome of {@link PinnedResolver.pin}. Details are safe to show the subscription's owner. */
export type PinOutcome =
  | { readonly ok: true; readonly pinned: PinnedAddress }
  | { readonly ok: false; readonly reason: 'refused_address'; readonly refusal: AddressRefusal; readonly detail: string }
  | { readonly ok: false; readonly reason: 'dns'; readonly detail: string };

/** Options of {@link PinnedResolver}. */
export interface PinnedResolverOptions {
  readonly policy: AddressPolicy;
  /** Defaults to {@link systemResolve}. */
  readonly resolve?: Resolve;
}

/**
 * Resolves a webhook hostname once, checks every address it resolves to and pins the one to
 * connect to. Checking all addresses (not only the one used) matters: a name answering with a
 * public and a private address would otherwise depend on resolver ordering, and the connection
 * code of a client that falls back to the next address could reach the private one.
 *
 * The pin is the defence against DNS rebinding: the connection must not resolve the name again
 * (a second answer may differ), so the sender passes {@link pinnedLookup} to the socket.
 */
export class PinnedResolver {
  private readonly policy: AddressPolicy;
  private readonly resolve: Resolve;

  constructor(options: PinnedResolverOptions) {
    this.policy = options.policy;
    this.resolve = options.resolve ?? systemResolve;
  }

  /**
   * Resolves `host` (a URL hostname; `[::1]` brackets are accepted) and returns the first
   * address when all of them are allowed. An IP literal is checked without any lookup.
   */
  async pin(host: string): Promise<PinOutcome> {
    const hostname = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const literalFamily = isIP(hostname);
    let addresses: readonly ResolvedAddress[];
    if (literalFamily === 4 || literalFamily === 6) {
      addresses = [{ address: hostname, family: literalFamily }];
    } else if (hostname === '') {
      return { ok: false, reason: 'dns', detail: 'the URL has no host name' };
    } else {
      try {
        addresses = await this.resolve(hostname);
      } catch (error) {
        return { ok: false, reason: 'dns', detail: `could not resolve the host name (${errorCode(error)})` };
      }
    }
    const first = addresses[0];
    if (first === undefined) return { ok: false, reason: 'dns', detail: 'the host name has no addresses' };
    for (const { address } of addresses) {
      const decision = this.policy.check(address);
      if (!decision.allowed) {
        // The address itself is left out: for a name only our network resolves, it would tell
        // the subscription's owner something about our network.
        return {
          ok: false,
          reason: 'refused_address',
          refusal: decision.reason,
          detail: `the host resolves to ${refusalText[decision.reason]}, which webhooks may not be sent to`,
        };
      }
    }
    const family = isIP(first.address);
    if (family !== 4 && family !== 6) return { ok: false, reason: 'dns', detail: 'the resolver answered with an invalid address' };
    return { ok: true, pinned: { hostname, address: first.address, family } };
  }
}

/**
 * A `lookup` for `net.connect`/`http.request` that answers with the pinned address whatever name
 * it is asked about, so the socket connects to exactly the address that was checked. Handles
 * both call shapes: `{ all: true }` (used by Node's happy-eyeballs `autoSelectFamily`) and the
 * single-address callback.
 */
export function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}

const refusalText: Record<AddressRefusal, string> = {
  loopback: 'a loopback address',
  private: 'a private-network address',
  link_local: 'a link-local address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  metadata: 'a cloud metadata address',
  reserved: 'a reserved address',
  unparseable: 'an address that cannot be parsed',
};

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return 'lookup failed';
}
