import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_API_URL,
  apiUrl,
  configScript,
  httpUrl,
  isUsableApiUrl,
  parseConfigScript,
  serverRuntimeConfig,
  wsUrl,
} from './config';

describe('API URLs', () => {
  const page = { href: 'https://lockers.example.edu/sign-in' };

  it('derives ws:// from an absolute http URL', () => {
    expect(wsUrl('http://localhost:4000/graphql', page)).toBe('ws://localhost:4000/graphql');
  });

  it('derives wss:// from a relative URL on an https page', () => {
    expect(httpUrl('/graphql', page)).toBe('https://lockers.example.edu/graphql');
    expect(wsUrl('/graphql', page)).toBe('wss://lockers.example.edu/graphql');
  });

  it('keeps ports and paths', () => {
    expect(wsUrl('/api/graphql', { href: 'http://10.0.0.5:8080/' })).toBe('ws://10.0.0.5:8080/api/graphql');
  });
});

describe('runtime configuration', () => {
  // apiUrl() reads the page's configuration in a browser only.
  beforeEach(() => {
    vi.stubGlobal('window', {});
    vi.stubGlobal('XMLHttpRequest', undefined);
  });
  afterEach(() => {
    globalThis.__BAYLIGHT_CONFIG__ = undefined;
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  it('accepts http(s) URLs and same-origin paths only', () => {
    expect(isUsableApiUrl('http://localhost:4310/graphql')).toBe(true);
    expect(isUsableApiUrl('https://api.example.edu/graphql')).toBe(true);
    expect(isUsableApiUrl('/graphql')).toBe(true);
    for (const bad of [
      '',
      ' /graphql',
      '//evil.example/graphql',
      'javascript:alert(1)',
      'localhost:4000',
      'ftp://x/y',
      42,
    ]) {
      expect(isUsableApiUrl(bad)).toBe(false);
    }
  });

  it('serves BAYLIGHT_API_URL from the web server, else the default', () => {
    expect(serverRuntimeConfig({ BAYLIGHT_API_URL: 'http://localhost:4310/graphql' })).toEqual({
      ok: true,
      config: { apiUrl: 'http://localhost:4310/graphql' },
    });
    expect(serverRuntimeConfig({ BAYLIGHT_API_URL: ' /graphql ' })).toEqual({
      ok: true,
      config: { apiUrl: '/graphql' },
    });
    vi.stubEnv('NEXT_PUBLIC_API_URL', '');
    expect(serverRuntimeConfig({})).toEqual({ ok: true, config: { apiUrl: DEFAULT_API_URL } });
    expect(serverRuntimeConfig({ BAYLIGHT_API_URL: '' })).toEqual({ ok: true, config: { apiUrl: DEFAULT_API_URL } });
  });

  it('says what is wrong with an unusable BAYLIGHT_API_URL', () => {
    const result = serverRuntimeConfig({ BAYLIGHT_API_URL: 'localhost:4000' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain('BAYLIGHT_API_URL');
    expect(configScript(result)).toMatch(/^console\.error\(/);
  });

  it('writes a script that sets the browser global, which the app then prefers', () => {
    const url = 'http://localhost:4310/graphql?x=</script>';
    const script = configScript({ ok: true, config: { apiUrl: url } });
    expect(script).not.toContain('</script>');
    const page: { self?: unknown; __BAYLIGHT_CONFIG__?: unknown } = {};
    page.self = page;
    runInNewContext(script, page);
    expect(page.__BAYLIGHT_CONFIG__).toEqual({ apiUrl: url });
    globalThis.__BAYLIGHT_CONFIG__ = { apiUrl: url };
    vi.stubEnv('NEXT_PUBLIC_API_URL', 'http://built.example/graphql');
    expect(apiUrl()).toBe(url);
  });

  it('falls back to the URL built in, then to the default', () => {
    globalThis.__BAYLIGHT_CONFIG__ = { apiUrl: 'not a url' };
    vi.stubEnv('NEXT_PUBLIC_API_URL', 'http://built.example/graphql');
    expect(apiUrl()).toBe('http://built.example/graphql');
    expect(serverRuntimeConfig({})).toEqual({ ok: true, config: { apiUrl: 'http://built.example/graphql' } });
    vi.stubEnv('NEXT_PUBLIC_API_URL', '');
    globalThis.__BAYLIGHT_CONFIG__ = undefined;
    expect(apiUrl()).toBe(DEFAULT_API_URL);
  });

  it('reads its own script back without running it (the late-start fallback)', () => {
    const script = configScript({ ok: true, config: { apiUrl: 'http://localhost:4310/graphql?a=<b>' } });
    expect(parseConfigScript(script)).toEqual({ apiUrl: 'http://localhost:4310/graphql?a=<b>' });
    expect(parseConfigScript(configScript({ ok: false, problem: 'x' }))).toBeNull();
    expect(parseConfigScript('self.__BAYLIGHT_CONFIG__ = {"apiUrl":"javascript:1"};')).toEqual({});
    expect(parseConfigScript('<html>offline</html>')).toBeNull();
  });

  it('asks for /config.js itself if the app starts before it ran', () => {
    const requested: string[] = [];
    class FakeXhr {
      status = 0;
      responseText = '';
      open(_method: string, url: string, async: boolean) {
        requested.push(`${url} async=${async}`);
      }
      send() {
        this.status = 200;
        this.responseText = configScript({ ok: true, config: { apiUrl: '/graphql' } });
      }
    }
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    expect(apiUrl()).toBe('/graphql');
    expect(apiUrl()).toBe('/graphql');
    expect(requested).toEqual(['/config.js async=false']);
  });
});
