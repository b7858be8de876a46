import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './index.js';

describe('config', () => {
  it('has working defaults for the embedded setup', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ PORT: 4000, DATABASE_FILE: 'data/baylight.db', DEV_OUTBOX: false });
    expect(c.WEB_ORIGINS).toContain('http://localhost:3000');
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
      /DEV_OUTBOX: must be false/,
    );
    expect(parseConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://mail.uni.test' }).NODE_ENV).toBe('production');
    expect(parseConfig({ NODE_ENV: 'test', DEV_OUTBOX: 'true' }).DEV_OUTBOX).toBe(true);
  });
});
