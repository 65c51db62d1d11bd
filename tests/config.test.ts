import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, defaultConfig } from '../server/config/config.js';

const expectConfigError = (env: NodeJS.ProcessEnv, message?: RegExp) => {
  let caught: unknown;
  try {
    configFromEnv(env);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ConfigError for ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
  if (message) expect((caught as Error).message).toMatch(message);
};

describe('configFromEnv', () => {
  it('has the documented defaults for an empty environment', () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: './data',
      rateLimits: true,
      trustProxy: false,
      sessionTtlDays: 30,
      logLevel: 'info',
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.origin).toBeUndefined();
  });

  it('reads only the environment it is given, never process.env', () => {
    const saved = { ...process.env };
    try {
      process.env.PORT = '4444';
      process.env.PARLEY_ORIGIN = 'https://from-process-env.example';
      process.env.DATABASE_URL ??= 'postgres://someone@elsewhere/db';
      const config = configFromEnv({});
      expect(config.port).toBe(3000);
      expect(config.origin).toBeUndefined();
      expect(config.databaseUrl).toBeUndefined();
    } finally {
      for (const key of ['PORT', 'PARLEY_ORIGIN', 'DATABASE_URL']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('treats empty variables as unset', () => {
    const config = configFromEnv({ PORT: '', HOST: '', DATABASE_URL: '', PARLEY_DATA_DIR: '', PARLEY_ORIGIN: '', PARLEY_RATE_LIMITS: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', dataDir: './data', rateLimits: true });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.origin).toBeUndefined();
  });

  it('reads PORT, HOST and PARLEY_DATA_DIR', () => {
    const config = configFromEnv({ PORT: '8080', HOST: '0.0.0.0', PARLEY_DATA_DIR: '/var/lib/parley' });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: '/var/lib/parley' });
    expect(configFromEnv({ PORT: '0' }).port).toBe(0);
    expect(configFromEnv({ PORT: '65535' }).port).toBe(65535);
  });

  it.each(['abc', '80abc', '-1', '3.5', '65536', '1e3', ' 80'])('refuses PORT=%j with a ConfigError naming it', (PORT) => {
    expectConfigError({ PORT }, /port/i);
  });

  it.each(['off', 'OFF', 'false', '0', 'no'])('PARLEY_RATE_LIMITS=%s turns rate limits off', (value) => {
    expect(configFromEnv({ PARLEY_RATE_LIMITS: value }).rateLimits).toBe(false);
  });

  it.each(['on', 'true', '1', 'yes', 'On'])('PARLEY_RATE_LIMITS=%s keeps them on', (value) => {
    expect(configFromEnv({ PARLEY_RATE_LIMITS: value }).rateLimits).toBe(true);
  });

  it('refuses a PARLEY_RATE_LIMITS that is neither on nor off', () => {
    expectConfigError({ PARLEY_RATE_LIMITS: 'sometimes' }, /PARLEY_RATE_LIMITS/);
  });

  describe('PARLEY_ORIGIN', () => {
    it.each([
      ['https://forum.example.org', 'https://forum.example.org'],
      ['https://forum.example.org/', 'https://forum.example.org'],
      ['https://forum.example.org///', 'https://forum.example.org'],
      ['http://localhost:3000/', 'http://localhost:3000'],
      // As a browser would send it in the Origin header: lower case, default port dropped.
      ['https://Forum.Example.ORG', 'https://forum.example.org'],
      ['HTTPS://forum.example.org', 'https://forum.example.org'],
      ['https://forum.example.org:443', 'https://forum.example.org'],
      ['http://forum.example.org:80/', 'http://forum.example.org'],
      ['https://forum.example.org:8443', 'https://forum.example.org:8443'],
      ['  https://forum.example.org/  ', 'https://forum.example.org'],
    ])('normalises %j to %j', (raw, expected) => {
      expect(configFromEnv({ PARLEY_ORIGIN: raw }).origin).toBe(expected);
    });

    it.each([
      'forum.example.org',
      'ftp://forum.example.org',
      'https://forum.example.org/forum',
      'https://forum.example.org/?x=1',
      'https://forum.example.org#top',
      'https://user:pw@forum.example.org',
      'https://',
      'https://forum example.org',
      'https://forum.example.org:99999',
    ])('refuses %j with a ConfigError naming PARLEY_ORIGIN', (raw) => {
      expectConfigError({ PARLEY_ORIGIN: raw }, /PARLEY_ORIGIN|origin/);
    });
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://parley@db:5432/parley', 'postgresql://parley:secret@127.0.0.1/parley?sslmode=disable'])('accepts %s', (url) => {
      expect(configFromEnv({ DATABASE_URL: url }).databaseUrl).toBe(url);
    });

    it.each(['mysql://root@localhost/parley', 'sqlite:./parley.db', 'parley', 'http://db/parley'])('refuses %s', (url) => {
      expectConfigError({ DATABASE_URL: url }, /database/i);
    });
  });

  it('reads PARLEY_REMINDER_AFTER_DAYS (default 3 days) and refuses what is not 1 to 365 whole days', () => {
    expect(configFromEnv({}).reminders).toEqual({ afterDays: 3 });
    expect(configFromEnv({ PARLEY_REMINDER_AFTER_DAYS: '' }).reminders).toEqual({ afterDays: 3 });
    expect(configFromEnv({ PARLEY_REMINDER_AFTER_DAYS: '7' }).reminders).toEqual({ afterDays: 7 });
    for (const bad of ['0', '366', '-1', '2.5', 'soon']) expectConfigError({ PARLEY_REMINDER_AFTER_DAYS: bad }, /REMINDER|reminders/);
    expect(defaultConfig().reminders).toEqual({ afterDays: 3 });
    expect(defaultConfig({ reminders: { afterDays: 10 } }).reminders).toEqual({ afterDays: 10 });
  });

  it('reads PARLEY_SEARCH_TERMS (default on) and PARLEY_SEARCH_TERMS_KEEP_DAYS (default 180, 1 to 3650 days)', () => {
    expect(configFromEnv({}).searchTerms).toEqual({ enabled: true, keepDays: 180 });
    expect(configFromEnv({ PARLEY_SEARCH_TERMS: 'off', PARLEY_SEARCH_TERMS_KEEP_DAYS: '30' }).searchTerms).toEqual({ enabled: false, keepDays: 30 });
    expect(configFromEnv({ PARLEY_SEARCH_TERMS: 'on', PARLEY_SEARCH_TERMS_KEEP_DAYS: '' }).searchTerms).toEqual({ enabled: true, keepDays: 180 });
    expectConfigError({ PARLEY_SEARCH_TERMS: 'sometimes' }, /PARLEY_SEARCH_TERMS/);
    for (const bad of ['0', '3651', '-1', '1.5', 'forever']) expectConfigError({ PARLEY_SEARCH_TERMS_KEEP_DAYS: bad }, /SEARCH_TERMS_KEEP_DAYS|searchTerms/);
    expect(defaultConfig().searchTerms).toEqual({ enabled: true, keepDays: 180 });
  });

  it('refuses an unknown LOG_LEVEL and out-of-range numbers', () => {
    expectConfigError({ LOG_LEVEL: 'loud' });
    expectConfigError({ PARLEY_SESSION_TTL_DAYS: '0' });
    expectConfigError({ PARLEY_SESSION_TTL_DAYS: '366' });
    expectConfigError({ PARLEY_PAGE_CACHE_SIZE: '-5' });
    expect(configFromEnv({ PARLEY_SESSION_TTL_DAYS: '7' }).sessionTtlDays).toBe(7);
  });
});

describe('defaultConfig', () => {
  it('validates overrides too', () => {
    expect(defaultConfig({ port: 1234 }).port).toBe(1234);
    expect(() => defaultConfig({ port: -1 })).toThrow(ConfigError);
    expect(() => defaultConfig({ origin: 'https://x.example/path' })).toThrow(ConfigError);
    expect(() => defaultConfig({ databaseUrl: 'mysql://x' })).toThrow(ConfigError);
  });
});
