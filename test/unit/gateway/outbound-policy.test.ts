import { createOutboundPolicy, embeddedIpv4 } from '../../../src/modules/gateway/outbound-policy';

const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`unexpected lookup of ${host}`);
};

describe('outbound policy (SSRF guard)', () => {
  const strict = createOutboundPolicy({ allowedHosts: [], resolve: noDns });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://10.0.0.1/', 'private 10/8'],
    ['http://172.16.5.4/', 'private 172.16/12'],
    ['http://192.168.1.1/', 'private 192.168/16'],
    ['http://127.0.0.1:8080/', 'loopback'],
    ['http://0x7f.1/', 'loopback in hex shorthand'],
    ['http://2130706433/', 'loopback as one integer'],
    ['http://100.64.0.1/', 'CGNAT'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[::1]/', 'IPv6 loopback'],
    ['http://[::]/', 'IPv6 unspecified'],
    ['http://[fd00::1]/', 'unique-local'],
    ['http://[fe80::1]/', 'IPv6 link-local'],
    ['http://[ff02::1]/', 'IPv6 multicast'],
    ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped metadata'],
    ['http://[::ffff:10.1.2.3]/', 'IPv4-mapped private'],
    ['http://[64:ff9b::a00:1]/', 'NAT64 of a private address'],
  ])('refuses %s (%s)', async (url) => {
    await expect(strict.checkUrl(url)).rejects.toMatchObject({ status: 400, code: 'outbound_url_refused' });
  });

  it('allows public addresses', async () => {
    await expect(strict.checkUrl('https://93.184.216.34/x')).resolves.toBeUndefined();
    await expect(strict.checkUrl('http://[2606:4700::1111]/')).resolves.toBeUndefined();
  });

  it('refuses other schemes and credentials, saying why', async () => {
    await expect(strict.checkUrl('ftp://x/file')).rejects.toThrow(/scheme "ftp" is not http or https/);
    await expect(strict.checkUrl('file:///etc/passwd')).rejects.toThrow(/scheme "file"/);
    await expect(strict.checkUrl('https://user:pw@93.184.216.34/')).rejects.toThrow(/credentials/);
    await expect(strict.checkUrl('not a url')).rejects.toThrow(/not a valid absolute URL/);
  });

  it('refuses a host name when ANY of its addresses is private', async () => {
    const policy = createOutboundPolicy({ allowedHosts: [], resolve: async () => ['93.184.216.34', '10.0.0.7'] });
    await expect(policy.checkUrl('http://rebind.example/')).rejects.toThrow(/resolves to 10\.0\.0\.7, which is not public/);
    const good = createOutboundPolicy({ allowedHosts: [], resolve: async () => ['93.184.216.34'] });
    await expect(good.checkUrl('http://public.example/')).resolves.toBeUndefined();
  });

  it('refuses a host that does not resolve', async () => {
    const policy = createOutboundPolicy({ allowedHosts: [], resolve: async () => { throw new Error('ENOTFOUND'); } });
    await expect(policy.checkUrl('http://nowhere.invalid/')).rejects.toThrow(/could not be resolved/);
  });

  it('lets listed hosts and CIDRs through, and only those', async () => {
    const policy = createOutboundPolicy({
      allowedHosts: ['localhost', '10.1.0.0/16', '::1/128', 'fd12::/16'],
      resolve: async (h) => (h === 'internal.example' ? ['10.1.2.3'] : ['127.0.0.1']),
    });
    await expect(policy.checkUrl('http://localhost:3000/')).resolves.toBeUndefined();
    await expect(policy.checkUrl('http://10.1.200.3/')).resolves.toBeUndefined();
    await expect(policy.checkUrl('http://internal.example/')).resolves.toBeUndefined();
    await expect(policy.checkUrl('http://[::1]:8080/')).resolves.toBeUndefined();
    await expect(policy.checkUrl('http://[fd12::9]/')).resolves.toBeUndefined();
    await expect(policy.checkUrl('http://10.2.0.1/')).rejects.toThrow(/not a public address/);
    await expect(policy.checkUrl('http://other.example/')).rejects.toThrow(/resolves to 127\.0\.0\.1/);
  });

  it('finds IPv4 addresses embedded in IPv6 forms', () => {
    expect(embeddedIpv4('::ffff:a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2002:c0a8:0101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeUndefined();
    expect(embeddedIpv4('::1')).toBeUndefined();
  });
});
