import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors.js';
import { assertFetchableUrl, isBlockedAddress } from '../../src/platforms/yt-dlp/url-guard.js';

const noAllow = { allowHosts: [] };

async function refusal(url: string, options: Parameters<typeof assertFetchableUrl>[1] = noAllow): Promise<ValidationError> {
  const error = await assertFetchableUrl(url, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${url} must be refused`).toBeInstanceOf(ValidationError);
  const validation = error as ValidationError;
  expect(validation.issues[0]?.path).toBe('url');
  return validation;
}

describe('URL ingest address guard', () => {
  it.each([
    ['loopback v4', 'http://127.0.0.1/video.mp4'],
    ['loopback v4 elsewhere in 127/8', 'http://127.10.20.30/'],
    ['loopback as a decimal integer', 'http://2130706433/'],
    ['loopback in hex', 'http://0x7f.0.0.1/'],
    ['loopback v6', 'http://[::1]/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['private 10/8', 'http://10.1.2.3/'],
    ['private 172.16/12', 'http://172.20.0.5/'],
    ['private 192.168/16', 'https://192.168.1.10/'],
    ['link-local', 'http://169.254.10.10/'],
    ['AWS/GCP/Azure metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['AWS metadata over IPv6', 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['Alibaba metadata (CGNAT)', 'http://100.100.100.200/latest/meta-data/'],
    ['CGNAT', 'http://100.64.0.1/'],
    ['multicast v4', 'http://224.0.0.1/'],
    ['broadcast', 'http://255.255.255.255/'],
    ['unique local v6', 'http://[fc00::1]/'],
    ['link-local v6', 'http://[fe80::1]/'],
    ['multicast v6', 'http://[ff02::1]/'],
    ['IPv4-mapped v6 of a private address', 'http://[::ffff:10.0.0.1]/'],
    ['IPv4-mapped v6 of metadata (hex form)', 'http://[::ffff:a9fe:a9fe]/'],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/'],
  ])('refuses %s', async (_label, url) => {
    const error = await refusal(url);
    expect(error.message).toMatch(/private, local or reserved/);
  });

  it.each(['ftp://example.com/a.mp4', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'data:video/mp4;base64,AAAA'])('refuses the non-http(s) URL %s', async (url) => {
    expect((await refusal(url)).message).toMatch(/Only http and https/);
  });

  it('refuses malformed URLs and URLs with credentials', async () => {
    expect((await refusal('Bravo sweep value')).message).toBe('Not a valid URL');
    expect((await refusal('https://user:pass@example.com/video')).message).toMatch(/user name or password/);
  });

  it('resolves host names and refuses when any address is internal', async () => {
    // localhost resolves through the system resolver (/etc/hosts) to loopback.
    await refusal('http://localhost:8080/video.mp4');
    const lookup = async (host: string) => (host === 'mixed.example' ? ['93.184.215.14', '10.0.0.7'] : ['93.184.215.14']);
    await refusal('https://mixed.example/watch', { allowHosts: [], lookup });
    await expect(assertFetchableUrl('https://public.example/watch?v=1', { allowHosts: [], lookup })).resolves.toBeInstanceOf(URL);
    const failing = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect((await refusal('https://nowhere.invalid/', { allowHosts: [], lookup: failing })).message).toMatch(/cannot be resolved/);
  });

  it('lets public addresses through', async () => {
    for (const url of ['https://93.184.215.14/a.mp4', 'http://[2606:4700:4700::1111]/', 'http://8.8.8.8/']) {
      await expect(assertFetchableUrl(url, noAllow)).resolves.toBeInstanceOf(URL);
    }
    expect(isBlockedAddress('1.1.1.1')).toBe(false);
    expect(isBlockedAddress('not an address')).toBe(true);
  });

  it('lets exactly the allow-listed hosts through (URL_INGEST_ALLOW_HOSTS)', async () => {
    const options = { allowHosts: ['127.0.0.1', 'media.test.internal'] };
    await expect(assertFetchableUrl('http://127.0.0.1:9999/a.mp4', options)).resolves.toBeInstanceOf(URL);
    await expect(assertFetchableUrl('http://MEDIA.test.internal/a.mp4', options)).resolves.toBeInstanceOf(URL);
    await refusal('http://127.0.0.2/a.mp4', options);
    await refusal('ftp://127.0.0.1/a.mp4', options);
  });
});
