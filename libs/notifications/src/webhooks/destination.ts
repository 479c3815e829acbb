/**
 * Where a webhook may be sent (SSRF guard). A merchant chooses the URL, and the worker that posts
 * to it sits inside our network: without these checks a webhook URL is a way to make us request
 * the cloud metadata service, an admin port on localhost, or anything on the private network.
 *
 * Two stages: checkWebhookUrl at registration (syntax, and IP literals refused at once), and
 * resolveDestination right before each attempt (DNS may change any time after registration;
 * postWebhook then connects to exactly the address checked here).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const MAX_URL_LENGTH = 2048;

/** Refused in every environment: nothing a merchant's public endpoint can live at. */
const REFUSED_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches localhost on Linux
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, including the metadata service 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast 255.255.255.255
] as const)
  REFUSED_V4.addSubnet(network, prefix, 'ipv4');

const LOOPBACK_V4 = new BlockList();
LOOPBACK_V4.addSubnet('127.0.0.0', 8, 'ipv4');

/**
 * IPv6 is refused unless it is global unicast (2000::/3): that one rule covers ::, fc00::/7
 * unique-local, fe80::/10 link-local, fec0::/10 site-local and ff00::/8 multicast. Inside
 * 2000::/3 a few special ranges are refused too. Forms embedding an IPv4 address are unwrapped
 * first (embeddedIPv4) and judged as that IPv4 address.
 */
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');
const REFUSED_V6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments: Teredo (hides an IPv4 address), benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
] as const)
  REFUSED_V6.addSubnet(network, prefix, 'ipv6');

/**
 * True when a connection to `ip` must not be made. Anything that is not a plain IP address in
 * canonical dotted or colon form is refused (fail closed): hostnames are resolved first.
 */
export function isForbiddenAddress(ip: string, options: { allowLoopback: boolean }): boolean {
  const address = ip.replace(/%.*$/, ''); // a scope (fe80::1%eth0) does not change the range
  const family = isIP(address);
  if (family === 4) return isForbiddenV4(address, options.allowLoopback);
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (bytes.every((byte, i) => byte === (i === 15 ? 1 : 0))) return !options.allowLoopback; // ::1
  const embedded = embeddedIPv4(bytes);
  if (embedded !== null) return isForbiddenV4(embedded, options.allowLoopback);
  return !GLOBAL_UNICAST_V6.check(address, 'ipv6') || REFUSED_V6.check(address, 'ipv6');
}

function isForbiddenV4(address: string, allowLoopback: boolean): boolean {
  if (LOOPBACK_V4.check(address, 'ipv4')) return !allowLoopback;
  return REFUSED_V4.check(address, 'ipv4');
}

/**
 * The IPv4 address an IPv6 address stands for, when the packet would really go to it (or to
 * a translator that forwards to it): IPv4-mapped ::ffff:a.b.c.d, the deprecated IPv4-compatible
 * ::a.b.c.d (which makes :: read as 0.0.0.0), NAT64 64:ff9b::a.b.c.d and 6to4 2002:AABB:CCDD::.
 */
function embeddedIPv4(bytes: number[]): string | null {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const v4 = (at: number) => bytes.slice(at, at + 4).join('.');
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4(12);
  if (zeros(0, 12)) return v4(12);
  const nat64 = [0x00, 0x64, 0xff, 0x9b];
  if (nat64.every((byte, i) => bytes[i] === byte) && zeros(4, 12)) return v4(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2);
  return null;
}

/** The 16 bytes of an address net.isIP already accepted as IPv6 (so the syntax is valid). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const headGroups = groups(head);
  const tailGroups = groups(tail);
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const all = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return all.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/** The host without the brackets of an IPv6 literal, as dns and net expect it. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/**
 * Registration-time check of a webhook URL. Syntax only, plus IP literals judged at once; a DNS
 * name is judged by resolveDestination at every attempt, since what it resolves to can change.
 * `allowInsecure` (development) permits http and loopback destinations.
 */
export function checkWebhookUrl(
  raw: string,
  options: { allowInsecure: boolean },
): { ok: true; url: URL } | { ok: false; reason: string } {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  if (raw.length > MAX_URL_LENGTH) return refuse(`the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('the URL must be http(s)');
  if (url.protocol === 'http:' && !options.allowInsecure) return refuse('the URL must use https');
  if (url.username || url.password) return refuse('the URL must not carry credentials');
  // url.hash is '' for a bare trailing '#', so look at the raw text.
  if (raw.includes('#')) return refuse('the URL must not have a fragment');

  // The URL parser has already normalised every IPv4 spelling (0x7f.1, 017700000001, 2130706433
  // all become 127.0.0.1) and lowercased and punycoded names, so only canonical forms reach here.
  const host = bareHostname(url);
  if (isIP(host)) {
    return isForbiddenAddress(host, { allowLoopback: options.allowInsecure })
      ? refuse(`${host} is a loopback, private or reserved address`)
      : { ok: true, url };
  }
  const name = host.replace(/\.$/, '');
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((label) => DNS_LABEL.test(label)))
    return refuse('the host is not a valid DNS name');
  if (!options.allowInsecure) {
    // localhost names always mean this machine (RFC 6761); single-label names resolve through
    // the resolver's search domains, i.e. to internal hosts.
    if (labels[labels.length - 1] === 'localhost') return refuse('the host is a localhost name');
    if (labels.length < 2) return refuse('the host must be a fully qualified domain name');
  }
  return { ok: true, url };
}

/**
 * What to connect to for this attempt: the hostname resolved now, refused if ANY of its
 * addresses is forbidden (an attacker's name may return one public and one private address and
 * let the connection pick). IP literals are judged directly. Reasons start with
 * `forbidden_destination:` or `dns_error:` so they can be reported as the attempt's error.
 */
export async function resolveDestination(
  url: URL,
  options: { allowLoopback: boolean },
): Promise<{ ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string }> {
  const host = bareHostname(url);
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      return { ok: false, reason: `dns_error: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
    if (addresses.length === 0) return { ok: false, reason: `dns_error: ${host} has no address` };
  }
  const forbidden = addresses.find(({ address }) => isForbiddenAddress(address, options));
  if (forbidden) {
    const what = literal ? 'is a loopback, private or reserved address' : `resolves to ${forbidden.address}`;
    return { ok: false, reason: `forbidden_destination: ${host} ${what}` };
  }
  const [{ address, family }] = addresses;
  return { ok: true, address, family: family === 6 ? 6 : 4 };
}
