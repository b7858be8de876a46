import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './index.js';

describe('config', () => {
  it('has working defaults for the embedded setup', () => {
    const c = parseConfig({}, { cwd: '/srv/baylight' });
    expect(c).toMatchObject({ PORT: 4000, DATABASE_FILE: '/srv/baylight/data/baylight.db', DEV_OUTBOX: false });
    expect(c.WEB_ORIGINS).toContain('http://localhost:3000');
  });

  describe('file paths', () => {
    it('takes a relative DATABASE_FILE from where the user ran npm (INIT_CWD), not from the workspace npm runs in', () => {
      // `DATABASE_FILE=data/x.db npm run server` at /home/ada/baylight: npm runs the script in server/.
      const c = parseConfig(
        { DATABASE_FILE: 'data/x.db', PICKUP_SIGNING_KEY_FILE: 'keys/k.json', INIT_CWD: '/home/ada/baylight' },
        { cwd: '/home/ada/baylight/server' },
      );
      expect(c.DATABASE_FILE).toBe('/home/ada/baylight/data/x.db');
      expect(c.PICKUP_SIGNING_KEY_FILE).toBe('/home/ada/baylight/keys/k.json');
    });

    it('uses the working directory without npm, and leaves absolute paths and :memory: alone', () => {
      expect(parseConfig({ DATABASE_FILE: '../b.db' }, { cwd: '/opt/app/run' }).DATABASE_FILE).toBe('/opt/app/b.db');
      expect(parseConfig({ DATABASE_FILE: '/var/lib/b.db', INIT_CWD: '/home/ada' }).DATABASE_FILE).toBe(
        '/var/lib/b.db',
      );
      expect(parseConfig({ DATABASE_FILE: ':memory:', INIT_CWD: '/home/ada' }).DATABASE_FILE).toBe(':memory:');
      // A relative INIT_CWD is not a directory anyone ran from: ignored.
      expect(parseConfig({ DATABASE_FILE: 'b.db', INIT_CWD: 'server' }, { cwd: '/x' }).DATABASE_FILE).toBe('/x/b.db');
    });
  });

  it('lists every problem at once', () => {
    try {
      parseConfig({ PORT: 'abc', LOG_LEVEL: 'loud', SECRET_KEY: 'short', DEV_OUTBOX: 'maybe' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(problems.sort()).toEqual(['DEV_OUTBOX', 'LOG_LEVEL', 'PORT', 'SECRET_KEY']);
    }
  });

  it('refuses production without SMTP (codes would be kept, not sent) or with the dev outbox on', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/SMTP_URL: required when NODE_ENV=production/);
    expect(() => parseConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.uni.test', DEV_OUTBOX: 'true' })).toThrow(
      /DEV_OUTBOX: must not be on/,
    );
    expect(parseConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.uni.test' }).NODE_ENV).toBe('production');
    expect(parseConfig({ NODE_ENV: 'test', DEV_OUTBOX: 'true' }).DEV_OUTBOX).toBe(true);
  });

  it('refuses the dev outbox and private push hosts in production, naming each', () => {
    try {
      parseConfig({
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://mail.uni.test',
        DEV_OUTBOX: 'true',
        PUSH_ALLOW_PRIVATE_HOSTS: 'true',
      });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'DEV_OUTBOX',
        'PUSH_ALLOW_PRIVATE_HOSTS',
      ]);
    }
    expect(parseConfig({ NODE_ENV: 'development', DEV_OUTBOX: 'true' }).DEV_OUTBOX).toBe(true);
  });

  it('keeps the headers timeout above the keep-alive timeout and within the request timeout', () => {
    const c = parseConfig({});
    expect(c.HTTP_HEADERS_TIMEOUT_MS).toBeGreaterThan(c.HTTP_KEEP_ALIVE_TIMEOUT_MS);
    expect(c.HTTP_HEADERS_TIMEOUT_MS).toBeLessThan(60_000); // Node's default
    expect(c.HTTP_REQUEST_TIMEOUT_MS).toBeLessThan(300_000); // Node's default
    expect(() => parseConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '30000', HTTP_HEADERS_TIMEOUT_MS: '20000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS/,
    );
  });
});
