// The SSRF guard: decides whether the platform may call a URL (proxied services, health URLs).
//
// A URL is refused (OutboundUrlRefusedError, HTTP 400) when:
// - its scheme is not http: or https:, or it carries credentials (user:pass@);
// - its host is, or resolves to (ANY of its addresses), a non-public address: loopback,
//   private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, incl. the cloud metadata
//   address 169.254.169.254; fe80::/10), CGNAT (100.64/10), unique-local (fc00::/7), multicast,
//   unspecified (0.0.0.0/8, ::), reserved/benchmark ranges, or an IPv4-mapped/NAT64/6to4
//   IPv6 form of any of those;
// unless the host name or the address is listed in `allowedHosts` (names, IPs or CIDRs).
//
// Limits, and what callers must do:
// - DNS can change between this check and the connection (rebinding). Callers check right
//   before each call; a caller that needs more must connect to the checked address itself.
// - Redirects would bypass the check: callers MUST pass `redirect: 'manual'` to fetch (or not
//   follow Location with node:http) and treat any 3xx from a server-side call (health checks)
//   as a failure. The proxy passes a 3xx back to its client unchanged and never follows it.

import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { OutboundUrlRefusedError } from './gateway-errors';

export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface OutboundPolicyOptions {
  /** Host names, IP addresses or CIDRs (IPv4 or IPv6) that may be reached although not public. */
  allowedHosts: readonly string[];
  /** All addresses of a host name; default: the system resolver (dns.lookup, all: true). */
  resolve?: ResolveHost;
}

export interface OutboundPolicy {
  /** Resolves when the URL may be called; rejects with OutboundUrlRefusedError otherwise. */
  checkUrl(url: string): Promise<void>;
}

const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

function defaultResolve(hostname: string): Promise<string[]> {
  return dnsLookup(hostname, { all: true, verbatim: true }).then((rows) => rows.map((r) => r.address));
}

/** The IPv4 address embedded in an IPv6 address that carries one (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(v6: string): string | undefined {
  const groups = expandIpv6(v6);
  if (!groups) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0) && !(groups[5] === 0 && groups[6] === 0)) return v4(groups[6]!, groups[7]!);
  // 64:ff9b::a.b.c.d (NAT64)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!);
  // 2002:AABB:CCDD::/48 (6to4)
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

function expandIpv6(address: string): number[] | undefined {
  let text = address.split('%')[0]!.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const parts = tail.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    text = `${text.slice(0, lastColon + 1)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function addEntry(list: BlockList, entry: string): boolean {
  const [addr, bits] = entry.split('/');
  const family = isIP(addr ?? '');
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(addr!, type);
  else list.addSubnet(addr!, Number(bits), type);
  return true;
}

export function createOutboundPolicy(opts: OutboundPolicyOptions): OutboundPolicy {
  const resolve = opts.resolve ?? defaultResolve;
  const blocked = new BlockList();
  for (const [a, p] of BLOCKED_V4) blocked.addSubnet(a, p, 'ipv4');
  for (const [a, p] of BLOCKED_V6) blocked.addSubnet(a, p, 'ipv6');
  const allowedAddresses = new BlockList();
  const allowedNames = new Set<string>();
  for (const raw of opts.allowedHosts) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (!entry) continue;
    if (!addEntry(allowedAddresses, entry)) allowedNames.add(entry.replace(/\.$/, ''));
  }

  function isAllowedAddress(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && allowedAddresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Why the address is not public, or undefined when it is. */
  function blockedReason(address: string): string | undefined {
    const family = isIP(address);
    if (family === 4) return blocked.check(address, 'ipv4') ? `${address} is not a public address` : undefined;
    if (family === 6) {
      const inner = embeddedIpv4(address);
      if (inner && blocked.check(inner, 'ipv4')) return `${address} embeds the non-public address ${inner}`;
      return blocked.check(address.split('%')[0]!, 'ipv6') ? `${address} is not a public address` : undefined;
    }
    return `"${address}" is not an IP address`;
  }

  return {
    async checkUrl(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new OutboundUrlRefusedError(url, 'it is not a valid absolute URL');
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new OutboundUrlRefusedError(url, `the scheme "${parsed.protocol.replace(/:$/, '')}" is not http or https`);
      }
      if (parsed.username || parsed.password) throw new OutboundUrlRefusedError(url, 'credentials in the URL are not allowed');
      const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
      if (!host) throw new OutboundUrlRefusedError(url, 'it has no host');
      if (allowedNames.has(host)) return;
      let addresses: string[];
      if (isIP(host) !== 0) {
        addresses = [host];
      } else {
        try {
          addresses = await resolve(host);
        } catch (err) {
          throw new OutboundUrlRefusedError(url, `the host "${host}" could not be resolved (${err instanceof Error ? err.message : String(err)})`);
        }
        if (addresses.length === 0) throw new OutboundUrlRefusedError(url, `the host "${host}" has no addresses`);
      }
      for (const address of addresses) {
        if (isAllowedAddress(address)) continue;
        const reason = blockedReason(address);
        if (reason) {
          throw new OutboundUrlRefusedError(
            url,
            address === host ? reason : `the host "${host}" resolves to ${address}, which is not public`,
          );
        }
      }
    },
  };
}
