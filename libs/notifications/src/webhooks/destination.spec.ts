// The real module object (a namespace import is a copy of getters jest cannot spy on).
import { promises as dns } from 'node:dns';
import { checkWebhookUrl, isForbiddenAddress, resolveDestination } from './destination';

const strict = { allowLoopback: false };
const dev = { allowLoopback: true };

describe('isForbiddenAddress', () => {
  it.each([
    // IPv4, the first and last address of each refused range
    ['0.0.0.0', 'unspecified'],
    ['0.255.255.255', '0/8'],
    ['10.0.0.0', 'private 10/8'],
    ['10.255.255.255', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12'],
    ['192.168.0.1', 'private 192.168/16'],
    ['192.168.255.255', 'private 192.168/16'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.0.1', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a scope'],
    ['febf:ffff::1', 'link-local, end of fe80::/10'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fec0::1', 'deprecated site-local'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'global multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    // IPv6 forms embedding a refused IPv4 address
    ['::ffff:10.0.0.1', 'IPv4-mapped, dotted'],
    ['::ffff:a00:1', 'IPv4-mapped, hex'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped metadata, long form'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['::10.0.0.1', 'IPv4-compatible'],
    ['::c0a8:1', 'IPv4-compatible, hex'],
    ['64:ff9b::10.0.0.1', 'NAT64 of private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata'],
    ['2002:a00:1::1', '6to4 of private'],
    ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
    // not an address in canonical form: fail closed
    ['localhost', 'a hostname'],
    ['', 'empty'],
    ['0x7f.1', 'hex IPv4 spelling'],
    ['017700000001', 'octal IPv4 spelling'],
    ['2130706433', 'decimal IPv4 spelling'],
    ['127.1', 'short IPv4 spelling'],
    ['[::1]', 'bracketed'],
  ])('refuses %s (%s) even with loopback allowed', (ip) => {
    expect(isForbiddenAddress(ip, dev)).toBe(true);
    expect(isForbiddenAddress(ip, strict)).toBe(true);
  });

  it.each([
    ['127.0.0.1'],
    ['127.255.255.254'],
    ['::1'],
    ['0:0:0:0:0:0:0:1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:7f00:1'],
    ['64:ff9b::127.0.0.1'],
  ])('refuses loopback %s unless loopback is allowed', (ip) => {
    expect(isForbiddenAddress(ip, strict)).toBe(true);
    expect(isForbiddenAddress(ip, dev)).toBe(false);
  });

  it.each([
    ['1.1.1.1'],
    ['8.8.8.8'],
    ['9.255.255.255'], // just below 10/8
    ['11.0.0.0'], // just above 10/8
    ['100.63.255.255'], // just below carrier-grade NAT
    ['100.128.0.0'], // just above
    ['172.15.255.255'], // just below 172.16/12
    ['172.32.0.0'], // just above
    ['169.253.255.255'],
    ['192.167.255.255'],
    ['198.17.255.255'],
    ['198.20.0.0'],
    ['223.255.255.255'], // last before multicast
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'],
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
    ['2002:808:808::1'], // 6to4 of 8.8.8.8
  ])('allows public %s', (ip) => {
    expect(isForbiddenAddress(ip, strict)).toBe(false);
  });
});

describe('checkWebhookUrl', () => {
  const prod = { allowInsecure: false };
  const devUrls = { allowInsecure: true };

  it('accepts a public https URL and returns it parsed', () => {
    const result = checkWebhookUrl('https://hooks.example.com:8443/danbao?x=1', prod);
    expect(result).toEqual({ ok: true, url: new URL('https://hooks.example.com:8443/danbao?x=1') });
  });

  it.each([
    ['not a URL', 'not a url', 'absolute'],
    ['a relative URL', '/webhooks', 'absolute'],
    ['ftp', 'ftp://files.example.com/', 'http(s)'],
    ['javascript', 'javascript:alert(1)', 'http(s)'],
    ['http in production', 'http://hooks.example.com/', 'https'],
    ['credentials', 'https://user:pass@hooks.example.com/', 'credentials'],
    ['a user only', 'https://user@hooks.example.com/', 'credentials'],
    ['a fragment', 'https://hooks.example.com/#x', 'fragment'],
    ['an empty fragment', 'https://hooks.example.com/#', 'fragment'],
    ['2049 characters', `https://hooks.example.com/${'a'.repeat(2049 - 26)}`, '2048'],
    ['a private IPv4 literal', 'https://10.1.2.3/', 'private'],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data/', 'private'],
    ['a loopback IPv4 literal', 'https://127.0.0.1/', 'loopback'],
    ['an IPv6 loopback literal', 'https://[::1]/', 'loopback'],
    ['an IPv4-mapped literal', 'https://[::ffff:169.254.169.254]/', 'private'],
    ['a unique-local literal', 'https://[fd00::1]/', 'private'],
    // Node's URL parser normalises these to 127.0.0.1 (asserted below), then they are refused.
    ['decimal 2130706433', 'https://2130706433/', 'loopback'],
    ['hex 0x7f.1', 'https://0x7f.1/', 'loopback'],
    ['octal 017700000001', 'https://017700000001/', 'loopback'],
    ['short 127.1', 'https://127.1/', 'loopback'],
    ['hex 0xa9fea9fe (metadata)', 'https://0xa9fea9fe/', 'private'],
    ['localhost', 'https://localhost/', 'localhost'],
    ['a .localhost name', 'https://api.localhost/', 'localhost'],
    ['a single-label name', 'https://intranet/', 'fully qualified'],
    ['a bad label', 'https://-bad.example.com/', 'DNS name'],
  ])('refuses %s', (_case, raw, reason) => {
    const result = checkWebhookUrl(raw, prod);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('accepts 2048 characters', () => {
    const raw = `https://hooks.example.com/${'a'.repeat(2048 - 26)}`;
    expect(raw).toHaveLength(2048);
    expect(checkWebhookUrl(raw, prod).ok).toBe(true);
  });

  it('relies on the URL parser turning every IPv4 spelling into the dotted form', () => {
    for (const spelling of ['2130706433', '0x7f.1', '017700000001', '127.1', '0177.0.0.1', '0x7f000001'])
      expect(new URL(`http://${spelling}/`).hostname).toBe('127.0.0.1');
    expect(new URL('http://[0:0:0:0:0:ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
  });

  it('in development allows http and loopback, but still not private or metadata addresses', () => {
    expect(checkWebhookUrl('http://localhost:3000/hooks', devUrls).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:3000/hooks', devUrls).ok).toBe(true);
    expect(checkWebhookUrl('http://[::1]:3000/hooks', devUrls).ok).toBe(true);
    expect(checkWebhookUrl('http://receiver/hooks', devUrls).ok).toBe(true);
    expect(checkWebhookUrl('http://192.168.1.10/hooks', devUrls).ok).toBe(false);
    expect(checkWebhookUrl('http://169.254.169.254/', devUrls).ok).toBe(false);
    expect(checkWebhookUrl('http://0.0.0.0:3000/', devUrls).ok).toBe(false);
  });
});

describe('resolveDestination', () => {
  afterEach(() => jest.restoreAllMocks());

  it('judges IP literals without DNS', async () => {
    const lookup = jest.spyOn(dns, 'lookup');
    await expect(resolveDestination(new URL('https://8.8.8.8/'), strict)).resolves.toEqual({
      ok: true,
      address: '8.8.8.8',
      family: 4,
    });
    await expect(resolveDestination(new URL('https://[2606:4700::1]/'), strict)).resolves.toEqual({
      ok: true,
      address: '2606:4700::1',
      family: 6,
    });
    await expect(resolveDestination(new URL('http://[::1]:80/'), strict)).resolves.toEqual({
      ok: false,
      reason: 'forbidden_destination: ::1 is a loopback, private or reserved address',
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('refuses localhost, a real name resolving to loopback, unless loopback is allowed', async () => {
    const refused = await resolveDestination(new URL('http://localhost:8080/'), strict);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/^forbidden_destination: localhost resolves to /);
    await expect(resolveDestination(new URL('http://localhost:8080/'), dev)).resolves.toMatchObject({
      ok: true,
    });
  });

  // Scripting what DNS answers is the only way to show a name with several addresses here.
  it('refuses a name when ANY of its addresses is forbidden, whatever the order', async () => {
    const answer = [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    const lookup = jest.spyOn(dns, 'lookup') as unknown as jest.Mock;
    lookup.mockResolvedValue(answer);
    await expect(resolveDestination(new URL('https://rebind.example/'), strict)).resolves.toEqual({
      ok: false,
      reason: 'forbidden_destination: rebind.example resolves to 10.0.0.5',
    });
    lookup.mockResolvedValue([...answer].reverse());
    await expect(resolveDestination(new URL('https://rebind.example/'), strict)).resolves.toMatchObject({
      ok: false,
    });
    lookup.mockResolvedValue([{ address: '::ffff:169.254.169.254', family: 6 }]);
    await expect(resolveDestination(new URL('https://rebind.example/'), dev)).resolves.toMatchObject({
      ok: false,
    });
    lookup.mockResolvedValue([
      { address: '2606:4700::1', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ]);
    await expect(resolveDestination(new URL('https://public.example/'), strict)).resolves.toEqual({
      ok: true,
      address: '2606:4700::1',
      family: 6,
    });
    expect(lookup).toHaveBeenCalledWith('public.example', { all: true, verbatim: true });
  });

  it('reports a name that does not resolve as a dns_error', async () => {
    const result = await resolveDestination(new URL('https://does-not-exist.invalid/'), strict);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^dns_error: /);
  });
});
