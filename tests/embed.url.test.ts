/** One page, one thread: the canonical form of host-page URLs (a pure function, no database). */
import { describe, expect, it } from 'vitest';
import { canonicalizeUrl, titleFromUrl, TRACKING_PARAMS } from '../server/embed/embed.url.js';
import { threadTitle } from '../server/embed/embed.service.js';

const SAME: [string, string, string][] = [
  // [what, input, canonical]
  ['keeps an already canonical URL as it is', 'https://blog.example/posts/1', 'https://blog.example/posts/1'],
  ['lower-cases the scheme and host', 'HTTPS://Blog.EXAMPLE/posts/1', 'https://blog.example/posts/1'],
  ['keeps the case of the path', 'https://blog.example/Posts/One', 'https://blog.example/Posts/One'],
  ['drops the default https port', 'https://blog.example:443/a', 'https://blog.example/a'],
  ['drops the default http port', 'http://blog.example:80/a', 'http://blog.example/a'],
  ['keeps other ports', 'http://localhost:5173/a', 'http://localhost:5173/a'],
  ['drops the fragment', 'https://blog.example/a#comments', 'https://blog.example/a'],
  ['drops an empty fragment and empty query', 'https://blog.example/a?#', 'https://blog.example/a'],
  ['drops utm_* parameters, whatever their case', 'https://blog.example/a?utm_source=x&UTM_Medium=y&utm_campaign=z', 'https://blog.example/a'],
  ['drops click ids and mail tracking', 'https://blog.example/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&msclkid=5', 'https://blog.example/a'],
  ['drops ref', 'https://blog.example/a?ref=newsletter', 'https://blog.example/a'],
  ['keeps meaningful parameters', 'https://blog.example/a?page=2&utm_source=x', 'https://blog.example/a?page=2'],
  ['sorts the remaining parameters', 'https://blog.example/a?z=1&a=2&m=3', 'https://blog.example/a?a=2&m=3&z=1'],
  ['keeps the order of repeated parameters', 'https://blog.example/a?t=2&a=1&t=1', 'https://blog.example/a?a=1&t=2&t=1'],
  ['writes spaces in the query one way', 'https://blog.example/s?q=a%20b', 'https://blog.example/s?q=a+b'],
  ['removes a trailing slash', 'https://blog.example/posts/1/', 'https://blog.example/posts/1'],
  ['removes repeated trailing slashes', 'https://blog.example/posts/1///', 'https://blog.example/posts/1'],
  ['keeps the root as /', 'https://blog.example', 'https://blog.example/'],
  ['keeps the root with a slash as /', 'https://blog.example/', 'https://blog.example/'],
  ['root with a query', 'https://blog.example/?b=1&a=2', 'https://blog.example/?a=2&b=1'],
  ['decodes unreserved escapes', 'https://blog.example/%7Euser/%61bc', 'https://blog.example/~user/abc'],
  ['upper-cases escapes it keeps', 'https://blog.example/a%2fb', 'https://blog.example/a%2Fb'],
  ['keeps an encoded slash encoded', 'https://blog.example/a%2Fb/c', 'https://blog.example/a%2Fb/c'],
  ['encodes non-ASCII paths as UTF-8', 'https://blog.example/caf\u00e9', 'https://blog.example/caf%C3%A9'],
  ['one form for encoded and raw non-ASCII', 'https://blog.example/caf%c3%a9', 'https://blog.example/caf%C3%A9'],
  ['leaves sub-delimiters unescaped', 'https://blog.example/a%3Bb%3D1%40x', 'https://blog.example/a;b=1@x'],
  ['keeps a Latin-1 escape stable', 'https://blog.example/caf%e9', 'https://blog.example/caf%E9'],
  ['resolves dot segments', 'https://blog.example/a/./b/../c', 'https://blog.example/a/c'],
  ['drops user info', 'https://ann:secret@blog.example/a', 'https://blog.example/a'],
  ['drops a trailing dot on the host', 'https://blog.example./a', 'https://blog.example/a'],
  ['turns IDN hosts into punycode', 'https://b\u00fccher.example/a', 'https://xn--bcher-kva.example/a'],
  ['trims surrounding whitespace', '  https://blog.example/a  ', 'https://blog.example/a'],
];

const INVALID: [string, string][] = [
  ['an empty string', ''],
  ['a relative path', '/posts/1'],
  ['no scheme', 'blog.example/posts/1'],
  ['javascript:', 'javascript:alert(1)'],
  ['data:', 'data:text/html,hi'],
  ['ftp:', 'ftp://blog.example/a'],
  ['file:', 'file:///etc/passwd'],
  ['mailto:', 'mailto:ann@blog.example'],
  ['a broken host', 'https://exa mple.com/'],
  ['nothing after the scheme', 'https://'],
  ['an overlong URL', `https://blog.example/${'a'.repeat(2100)}`],
];

describe('embed URL canonicalisation', () => {
  it.each(SAME)('%s', (_what, input, canonical) => {
    expect(canonicalizeUrl(input)?.url).toBe(canonical);
  });

  it.each(SAME)('is idempotent: %s', (_what, input) => {
    const once = canonicalizeUrl(input)!.url;
    expect(canonicalizeUrl(once)?.url).toBe(once);
  });

  it.each(INVALID)('refuses %s', (_what, input) => {
    expect(canonicalizeUrl(input)).toBeNull();
  });

  it('gives the origin as browsers serialise it (what allowedOrigins holds)', () => {
    expect(canonicalizeUrl('HTTPS://Blog.Example:443/a?x=1#y')?.origin).toBe('https://blog.example');
    expect(canonicalizeUrl('http://localhost:8080/')?.origin).toBe('http://localhost:8080');
  });

  it('maps the usual variants of one page to one URL', () => {
    const variants = [
      'https://blog.example/posts/hello',
      'https://blog.example/posts/hello/',
      'https://BLOG.example/posts/hello#comment-3',
      'https://blog.example:443/posts/hello?utm_source=twitter&utm_medium=social',
      'https://blog.example/posts/hello?fbclid=abc',
      'https://blog.example/posts/%68ello',
    ];
    expect(new Set(variants.map((v) => canonicalizeUrl(v)?.url))).toEqual(new Set(['https://blog.example/posts/hello']));
  });

  it('documents its tracking parameters in lower case', () => {
    for (const name of TRACKING_PARAMS) expect(name).toBe(name.toLowerCase());
    expect(TRACKING_PARAMS).toEqual(expect.arrayContaining(['fbclid', 'gclid', 'mc_cid', 'mc_eid', 'ref']));
  });
});

describe('embed thread titles', () => {
  it('uses the page title, whitespace collapsed, cut to 200 characters', () => {
    expect(threadTitle('  Hello \n  world ', 'https://blog.example/a')).toBe('Hello world');
    expect(threadTitle('x'.repeat(300), 'https://blog.example/a')).toHaveLength(200);
  });

  it('falls back to the page path when the title is under 3 characters', () => {
    expect(threadTitle('  ', 'https://blog.example/posts/caf%C3%A9')).toBe('/posts/café');
    expect(threadTitle(undefined, 'https://blog.example/posts/1')).toBe('/posts/1');
    expect(threadTitle('ab', 'https://blog.example/')).toBe('blog.example/');
  });

  it('titles from URLs stay within 200 characters', () => {
    expect(titleFromUrl(`https://blog.example/${'p'.repeat(500)}`).length).toBeLessThanOrEqual(200);
  });
});
