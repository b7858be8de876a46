/**
 * Push endpoints are URLs a browser hands us and the server then POSTs to:
 * without a check, any signed-in person could make the server send requests
 * into the campus network (SSRF). An endpoint must be https and its host must
 * resolve only to public addresses. The check runs when a subscription is
 * registered and again right before each send, because a name can resolve
 * elsewhere later (DNS rebinding).
 *
 * A residual window stays between the check at send time and web-push's own
 * lookup; closing it would mean pinning the checked address into the HTTPS
 * agent, which web-push does not expose per request.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses that are not on the public internet (RFC 6890 special-purpose registries, roughly). */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address literal (v4 or v6) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const lower = address.toLowerCase();
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible/translated forms carry an IPv4 address: judge that one.
    const mapped = /^(?:::ffff:(?:0:)?|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isPublicAddress(mapped[1]!);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
    if (hex) {
      const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
      return isPublicAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
    return !NOT_PUBLIC.check(address, 'ipv6');
  }
  return !NOT_PUBLIC.check(address, 'ipv4');
}

export type EndpointCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface EndpointCheckOptions {
  /** Tests with a local push service: skip the address check (refused in production by the config). */
  allowPrivateHosts: boolean;
  /** DNS lookup of every address of a host; replaceable in unit tests. */
  resolve?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Whether the server may send to this push endpoint now. */
export async function checkPushEndpoint(endpoint: string, opts: EndpointCheckOptions): Promise<EndpointCheck> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, reason: 'endpoint must be an https URL.' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'endpoint must be an https URL.' };
  if (url.username || url.password) return { ok: false, reason: 'endpoint must not carry credentials.' };
  if (opts.allowPrivateHosts) return { ok: true, url };
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) {
    return { ok: false, reason: 'endpoint must be on a public host.' };
  }
  if (isIP(host)) {
    return isPublicAddress(host) ? { ok: true, url } : { ok: false, reason: 'endpoint must be on a public host.' };
  }
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? resolveAll)(host);
  } catch {
    return { ok: false, reason: 'endpoint host does not resolve.' };
  }
  // Every address must be public: a name with one private address among public ones can still be made to hit it.
  if (!addresses.length || !addresses.every(isPublicAddress)) {
    return { ok: false, reason: 'endpoint must be on a public host.' };
  }
  return { ok: true, url };
}
