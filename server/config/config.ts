import { Type, type Static } from 'typebox';
import { compileCheck } from '../schemas/check.js';

/** Validated runtime configuration. Read once in main.ts (or built by tests) and passed down. */
export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  /** PostgreSQL URL; when absent the embedded PGlite database is used. */
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /**
   * `nats://host:4222` (comma-separate several servers of one cluster): live events, presence and
   * cache signals cross processes through NATS, and no write transaction notifies (a relay
   * publishes from the outbox). Absent: PostgreSQL LISTEN/NOTIFY, or in-process when embedded.
   */
  busUrl: Type.Optional(Type.String({ pattern: '^nats://[^\\s]+$' })),
  /**
   * Prometheus metrics at `/metrics`: off unless enabled; with `port`, on a listener of their own
   * (bound to `host`), so the public port need not expose them.
   */
  metrics: Type.Object({
    enabled: Type.Boolean(),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  }),
  /** Where PGlite keeps its files; `memory://` keeps it in memory (tests). */
  dataDir: Type.String({ minLength: 1 }),
  /** Public origin such as https://forum.example.org; derived from the Host header when absent. */
  origin: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
  rateLimits: Type.Boolean(),
  /** Seed a demo community into a brand-new embedded database. Never applies to PostgreSQL. */
  seedDemo: Type.Boolean(),
  /**
   * The first account signed up while the site has no site admin becomes one. For the try-out
   * (embedded database, no SMTP): whoever runs it can read the local mailbox in the browser.
   */
  firstAccountIsSiteAdmin: Type.Boolean(),
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
  /** Trust X-Forwarded-* from a proxy in front (compose runs one). */
  trustProxy: Type.Boolean(),
  sessionTtlDays: Type.Integer({ minimum: 1, maximum: 365 }),
  /**
   * How long a process trusts a session it validated, in seconds, before asking the database again
   * (a revocation or a change of the account reaches every process at once through the bus). 0: off.
   */
  sessionCacheSeconds: Type.Integer({ minimum: 0, maximum: 300 }),
  /** How long a process keeps a community's top helpers of the month, in seconds (the ranking moves slowly; pages read it constantly). 0: off. */
  helpersCacheSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
  /** Directory of the built web app; the server serves it when it exists. */
  webDir: Type.String(),
  /** Size of the per-process cache of anonymous topic pages (entries). 0 disables it. */
  pageCacheSize: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  /**
   * How long a process serves guests a topic list it read, in seconds, unless the community's live
   * events say it changed first (the bound is for what they do not announce). 0: off.
   */
  listCacheSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
  live: Type.Object({
    /** Ping interval; a socket that missed the previous pong is dropped. */
    heartbeatMs: Type.Integer({ minimum: 50, maximum: 600_000 }),
    /** A socket whose unsent bytes exceed this is closed (4008) instead of growing memory. */
    maxBufferedBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 }),
    maxSubscriptions: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** Messages a socket may send per second (burst: twice that, plus room to resubscribe every channel). */
    messagesPerSecond: Type.Integer({ minimum: 1, maximum: 10_000 }),
    /** Outbox retention: replayable for this long, and at most this many events per channel. */
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    retentionPerChannel: Type.Integer({ minimum: 10, maximum: 10_000_000 }),
    presenceThrottleMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
  }),
  /**
   * IndexNow (https://www.indexnow.org): tell search engines at once when a public topic changes.
   * Off while absent; needs `origin` (the URLs and the key file's location are absolute).
   */
  indexNow: Type.Optional(
    Type.Object({
      /** 8–128 letters, digits and dashes; served as /<key>.txt so the engine can check it is ours. */
      key: Type.String({ pattern: '^[A-Za-z0-9-]{8,128}$' }),
      endpoint: Type.String({ pattern: '^https?://[^\\s]+$' }),
      /** Changes within this window go out as one request. */
      delayMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    }),
  ),
  reminders: Type.Object({
    /** An unsolved question with replies reminds its asker (once) when it is older than this. */
    afterDays: Type.Integer({ minimum: 1, maximum: 365 }),
  }),
  notifications: Type.Object({
    /** Read notifications older than this (by their last news) are removed by maintenance. */
    keepDays: Type.Integer({ minimum: 1, maximum: 3650 }),
    /** Unread notifications kept per member; maintenance removes the oldest beyond it. */
    unreadCap: Type.Integer({ minimum: 100, maximum: 100_000 }),
  }),
  searchTerms: Type.Object({
    /** Count what people search for (normalised words, daily counts, nobody's identity); off: nothing is recorded. */
    enabled: Type.Boolean(),
    /** Days of counts kept; maintenance removes older ones. */
    keepDays: Type.Integer({ minimum: 1, maximum: 3650 }),
  }),
  signupChallenge: Type.Object({
    /**
     * HMAC key that signs sign-up challenges (server/safety/spam); absent: one is made on first
     * use and kept in site_settings, so every process shares it and `npm start` needs nothing.
     */
    key: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    /** The proof of work: the secret number lies in 1..maxNumber (SHA-256 tries; 100,000 is about a second in a browser). */
    maxNumber: Type.Integer({ minimum: 10, maximum: 10_000_000 }),
    /** How long a challenge may be solved and sent back. */
    expiresSeconds: Type.Integer({ minimum: 10, maximum: 86_400 }),
    /** Mode `auto`: sign-ups in the last 10 minutes beyond this number switch the challenge on. */
    autoThreshold: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  }),
  uploads: Type.Object({
    /**
     * Where files are kept: `local` under `dir` (default `<dataDir>/uploads`; in memory when the
     * database is), or S3-compatible object storage (`s3`).
     */
    storage: Type.Union([Type.Literal('local'), Type.Literal('s3')]),
    dir: Type.Optional(Type.String({ minLength: 1 })),
    s3: Type.Optional(
      Type.Object({
        bucket: Type.String({ minLength: 3, maxLength: 63 }),
        region: Type.String({ minLength: 1 }),
        /** Absent: AWS itself; else e.g. `https://s3.example.net` or a local server's URL. */
        endpoint: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
        accessKeyId: Type.String({ minLength: 1 }),
        secretAccessKey: Type.String({ minLength: 1 }),
        /** `bucket` in the path, not the host name (most servers other than AWS want this). */
        forcePathStyle: Type.Boolean(),
        /** Keys start with this (one bucket, several sites). */
        prefix: Type.String({ maxLength: 200 }),
      }),
    ),
    /** Largest file accepted, in bytes, as sent (before processing). */
    maxFileBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 }),
    /** Distinct files one post may show. */
    maxPerPost: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Bytes one account may upload per day; accounts younger than `newAccountDays` get `newAccountDailyBytes`. */
    dailyBytes: Type.Integer({ minimum: 0 }),
    newAccountDailyBytes: Type.Integer({ minimum: 0 }),
    newAccountDays: Type.Integer({ minimum: 0, maximum: 365 }),
    /** Images are scaled down to fit this many pixels on their longer side; decoding refuses more than `maxPixels`. */
    maxDimension: Type.Integer({ minimum: 64, maximum: 16_384 }),
    maxPixels: Type.Integer({ minimum: 4096, maximum: 1_000_000_000 }),
    /** The thread shows a copy this wide at most (the full image a click away). */
    thumbnailWidth: Type.Integer({ minimum: 32, maximum: 4096 }),
  }),
  jobs: Type.Object({
    /** How often an idle job worker looks for due jobs; jobs sent by the same process wake it at once. */
    pollingIntervalSeconds: Type.Number({ minimum: 0.5, maximum: 3600 }),
  }),
  mail: Type.Object({
    /** `smtp://user:pass@host:port` or `smtps://…`; absent: mail stays in the local mailbox (database and log). */
    smtpUrl: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s]+$' })),
    /** The From header, e.g. `Acme Community <community@acme.example>`. */
    from: Type.String({ minLength: 3, maxLength: 320 }),
    /** DKIM signing by nodemailer; absent: unsigned (the relay may sign). */
    dkim: Type.Optional(
      Type.Object({
        domainName: Type.String({ minLength: 1 }),
        keySelector: Type.String({ minLength: 1 }),
        privateKey: Type.String({ minLength: 1 }),
      }),
    ),
    /** A built-in SMTP listener for replies and bounces on this port (host: `host`); absent: off. */
    inboundSmtpPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** Domain of reply and bounce addresses (`reply+<key>@<domain>`); absent: the host of the public origin. */
    replyDomain: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]+$' })),
    /** Bearer secret of POST /api/mail/inbound; absent: that endpoint is off. */
    inboundSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    /** How long a notification waits before it is mailed to someone away. */
    delaySeconds: Type.Integer({ minimum: 0, maximum: 7 * 86400 }),
    /** First wait before a temporary SMTP failure is retried; each retry waits about twice as long. */
    retryDelaySeconds: Type.Integer({ minimum: 1, maximum: 86400 }),
    retryLimit: Type.Integer({ minimum: 0, maximum: 100 }),
    /** Notification mails per member per day; beyond it the rest roll up into one mail. */
    dailyCap: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Bounce score past which only critical mail (reset, verification) is sent to an address. */
    bounceThreshold: Type.Integer({ minimum: 1, maximum: 1000 }),
  }),
});
export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

const bool = (name: string, raw: string | undefined, fallback: boolean): boolean => {
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
};

const int = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
};

/** Defaults for everything; tests and the benchmark override what they need. */
export type ConfigOverrides = Partial<Omit<Config, 'live' | 'mail' | 'signupChallenge' | 'uploads'>> & {
  live?: Partial<Config['live']>;
  uploads?: Partial<Config['uploads']>;
  mail?: Partial<Config['mail']>;
  signupChallenge?: Partial<Config['signupChallenge']>;
};

export function defaultConfig(overrides: ConfigOverrides = {}): Config {
  return checkConfig({
    port: 3000,
    host: '127.0.0.1',
    dataDir: './data',
    rateLimits: true,
    seedDemo: true,
    firstAccountIsSiteAdmin: false,
    logLevel: 'info',
    trustProxy: false,
    sessionTtlDays: 30,
    sessionCacheSeconds: 5,
    helpersCacheSeconds: 60,
    webDir: './dist/web',
    pageCacheSize: 2000,
    listCacheSeconds: 10,
    reminders: { afterDays: 3 },
    notifications: { keepDays: 90, unreadCap: 500 },
    searchTerms: { enabled: true, keepDays: 180 },
    jobs: { pollingIntervalSeconds: 2 },
    metrics: { enabled: false },
    ...overrides,
    signupChallenge: { maxNumber: 100_000, expiresSeconds: 600, autoThreshold: 20, ...overrides.signupChallenge },
    uploads: {
      storage: 'local',
      maxFileBytes: 8 * 1024 * 1024,
      maxPerPost: 20,
      dailyBytes: 100 * 1024 * 1024,
      newAccountDailyBytes: 10 * 1024 * 1024,
      newAccountDays: 3,
      maxDimension: 2560,
      maxPixels: 50_000_000,
      thumbnailWidth: 800,
      ...overrides.uploads,
    },
    mail: {
      from: 'Parley <parley@localhost>',
      delaySeconds: 600,
      retryDelaySeconds: 30,
      retryLimit: 8,
      dailyCap: 20,
      bounceThreshold: 5,
      ...overrides.mail,
    },
    live: {
      heartbeatMs: 30_000,
      maxBufferedBytes: 1024 * 1024,
      maxSubscriptions: 100,
      messagesPerSecond: 20,
      retentionDays: 7,
      retentionPerChannel: 10_000,
      presenceThrottleMs: 1000,
      ...overrides.live,
    },
  });
}

let isConfig: ReturnType<typeof compileCheck<typeof ConfigSchema>> | undefined;

export function checkConfig(candidate: unknown): Config {
  isConfig ??= compileCheck(ConfigSchema);
  if (!isConfig(candidate)) throw new ConfigError(`invalid configuration: ${isConfig.firstError(candidate)}`);
  // The embedded database is one process: there is nothing for a broker to carry.
  if (candidate.busUrl && !candidate.databaseUrl) throw new ConfigError('PARLEY_BUS_URL needs DATABASE_URL (the embedded database runs in one process)');
  return candidate;
}

/**
 * PARLEY_ORIGIN as browsers serialise an Origin header (lower-case scheme and host, no default
 * port, no trailing slash): the CSRF check compares the two as strings.
 */
export function normaliseOrigin(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim().replace(/\/+$/, '');
  if (!trimmed) return undefined;
  const invalid = () => new ConfigError(`PARLEY_ORIGIN must be an origin such as https://forum.example.org (no path), got "${raw}"`);
  // Scheme and host[:port] only: no path, query, fragment or credentials.
  if (!/^https?:\/\/[^/?#@\s]+$/i.test(trimmed)) throw invalid();
  try {
    return new URL(trimmed).origin;
  } catch {
    throw invalid();
  }
}

/**
 * Where links in mail (and other things read away from a request) point: PARLEY_ORIGIN, never a
 * request's Host header (a forged Host must not put an attacker's site into a reset link). The
 * embedded try-out without PARLEY_ORIGIN links to where it listens.
 */
export function publicOrigin(config: Pick<Config, 'origin' | 'host' | 'port'>): string {
  if (config.origin) return config.origin;
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host) ? 'localhost' : config.host;
  return `http://${host}:${config.port}`;
}

/** The domain of reply and bounce addresses. */
export const replyDomain = (config: Config): string => config.mail.replyDomain ?? new URL(publicOrigin(config)).hostname;

/** Shared by the search engines that take part; each passes the URLs on to the others. */
export const INDEXNOW_ENDPOINT = 'https://api.indexnow.org/indexnow';

/** The only place that reads process.env. */
export function configFromEnv(env: NodeJS.ProcessEnv): Config {
  const origin = normaliseOrigin(env.PARLEY_ORIGIN);
  return defaultConfig({
    port: int('PORT', env.PORT, 3000),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    busUrl: env.PARLEY_BUS_URL || undefined,
    metrics: metricsFromEnv(env),
    dataDir: env.PARLEY_DATA_DIR || './data',
    origin,
    rateLimits: bool('PARLEY_RATE_LIMITS', env.PARLEY_RATE_LIMITS, true),
    seedDemo: bool('PARLEY_SEED_DEMO', env.PARLEY_SEED_DEMO, true),
    firstAccountIsSiteAdmin: bool('PARLEY_FIRST_ACCOUNT_ADMIN', env.PARLEY_FIRST_ACCOUNT_ADMIN, !env.DATABASE_URL && !env.PARLEY_SMTP_URL),
    logLevel: (env.LOG_LEVEL || 'info') as Config['logLevel'],
    trustProxy: bool('PARLEY_TRUST_PROXY', env.PARLEY_TRUST_PROXY, false),
    sessionTtlDays: int('PARLEY_SESSION_TTL_DAYS', env.PARLEY_SESSION_TTL_DAYS, 30),
    sessionCacheSeconds: int('PARLEY_SESSION_CACHE_SECONDS', env.PARLEY_SESSION_CACHE_SECONDS, 5),
    helpersCacheSeconds: int('PARLEY_HELPERS_CACHE_SECONDS', env.PARLEY_HELPERS_CACHE_SECONDS, 60),
    webDir: env.PARLEY_WEB_DIR || './dist/web',
    pageCacheSize: int('PARLEY_PAGE_CACHE_SIZE', env.PARLEY_PAGE_CACHE_SIZE, 2000),
    listCacheSeconds: int('PARLEY_LIST_CACHE_SECONDS', env.PARLEY_LIST_CACHE_SECONDS, 10),
    reminders: { afterDays: int('PARLEY_REMINDER_AFTER_DAYS', env.PARLEY_REMINDER_AFTER_DAYS, 3) },
    notifications: {
      keepDays: int('PARLEY_NOTIFICATIONS_KEEP_DAYS', env.PARLEY_NOTIFICATIONS_KEEP_DAYS, 90),
      unreadCap: int('PARLEY_NOTIFICATIONS_UNREAD_CAP', env.PARLEY_NOTIFICATIONS_UNREAD_CAP, 500),
    },
    searchTerms: {
      enabled: bool('PARLEY_SEARCH_TERMS', env.PARLEY_SEARCH_TERMS, true),
      keepDays: int('PARLEY_SEARCH_TERMS_KEEP_DAYS', env.PARLEY_SEARCH_TERMS_KEEP_DAYS, 180),
    },
    mail: mailFromEnv(env),
    uploads: uploadsFromEnv(env),
    signupChallenge: {
      ...(env.PARLEY_SIGNUP_CHALLENGE_KEY ? { key: env.PARLEY_SIGNUP_CHALLENGE_KEY } : {}),
      maxNumber: int('PARLEY_SIGNUP_CHALLENGE_MAX_NUMBER', env.PARLEY_SIGNUP_CHALLENGE_MAX_NUMBER, 100_000),
      autoThreshold: int('PARLEY_SIGNUP_SPIKE_THRESHOLD', env.PARLEY_SIGNUP_SPIKE_THRESHOLD, 20),
    },
    ...(env.PARLEY_INDEXNOW_KEY
      ? {
          indexNow: {
            key: env.PARLEY_INDEXNOW_KEY,
            endpoint: env.PARLEY_INDEXNOW_ENDPOINT || INDEXNOW_ENDPOINT,
            delayMs: 5000,
          },
        }
      : {}),
  });
}

/** `PARLEY_METRICS=on` serves /metrics on the app's port; `PARLEY_METRICS_PORT` on one of its own. */
function metricsFromEnv(env: NodeJS.ProcessEnv): Config['metrics'] {
  const port = env.PARLEY_METRICS_PORT ? int('PARLEY_METRICS_PORT', env.PARLEY_METRICS_PORT, 0) : undefined;
  return { enabled: port !== undefined || bool('PARLEY_METRICS', env.PARLEY_METRICS, false), ...(port !== undefined ? { port } : {}) };
}

function uploadsFromEnv(env: NodeJS.ProcessEnv): Partial<Config['uploads']> {
  const bucket = env.PARLEY_UPLOADS_S3_BUCKET;
  if (bucket && !(env.PARLEY_UPLOADS_S3_ACCESS_KEY_ID && env.PARLEY_UPLOADS_S3_SECRET_ACCESS_KEY))
    throw new ConfigError('S3 storage needs PARLEY_UPLOADS_S3_ACCESS_KEY_ID and PARLEY_UPLOADS_S3_SECRET_ACCESS_KEY beside PARLEY_UPLOADS_S3_BUCKET');
  return {
    storage: bucket ? 's3' : 'local',
    ...(env.PARLEY_UPLOADS_DIR ? { dir: env.PARLEY_UPLOADS_DIR } : {}),
    ...(bucket
      ? {
          s3: {
            bucket,
            region: env.PARLEY_UPLOADS_S3_REGION || 'us-east-1',
            ...(env.PARLEY_UPLOADS_S3_ENDPOINT ? { endpoint: env.PARLEY_UPLOADS_S3_ENDPOINT } : {}),
            accessKeyId: env.PARLEY_UPLOADS_S3_ACCESS_KEY_ID!,
            secretAccessKey: env.PARLEY_UPLOADS_S3_SECRET_ACCESS_KEY!,
            forcePathStyle: bool('PARLEY_UPLOADS_S3_PATH_STYLE', env.PARLEY_UPLOADS_S3_PATH_STYLE, Boolean(env.PARLEY_UPLOADS_S3_ENDPOINT)),
            prefix: env.PARLEY_UPLOADS_S3_PREFIX || '',
          },
        }
      : {}),
    maxFileBytes: int('PARLEY_UPLOADS_MAX_FILE_BYTES', env.PARLEY_UPLOADS_MAX_FILE_BYTES, 8 * 1024 * 1024),
    dailyBytes: int('PARLEY_UPLOADS_DAILY_BYTES', env.PARLEY_UPLOADS_DAILY_BYTES, 100 * 1024 * 1024),
    newAccountDailyBytes: int('PARLEY_UPLOADS_NEW_ACCOUNT_DAILY_BYTES', env.PARLEY_UPLOADS_NEW_ACCOUNT_DAILY_BYTES, 10 * 1024 * 1024),
  };
}

function mailFromEnv(env: NodeJS.ProcessEnv): Partial<Config['mail']> {
  const dkimParts = [env.PARLEY_DKIM_DOMAIN, env.PARLEY_DKIM_SELECTOR, env.PARLEY_DKIM_PRIVATE_KEY];
  if (dkimParts.some(Boolean) && !dkimParts.every(Boolean))
    throw new ConfigError('DKIM needs all of PARLEY_DKIM_DOMAIN, PARLEY_DKIM_SELECTOR and PARLEY_DKIM_PRIVATE_KEY');
  return {
    ...(env.PARLEY_SMTP_URL ? { smtpUrl: env.PARLEY_SMTP_URL } : {}),
    ...(env.PARLEY_MAIL_FROM ? { from: env.PARLEY_MAIL_FROM } : {}),
    ...(env.PARLEY_DKIM_DOMAIN
      ? { dkim: { domainName: env.PARLEY_DKIM_DOMAIN, keySelector: env.PARLEY_DKIM_SELECTOR!, privateKey: env.PARLEY_DKIM_PRIVATE_KEY!.replace(/\\n/g, '\n') } }
      : {}),
    ...(env.PARLEY_INBOUND_SMTP_PORT ? { inboundSmtpPort: int('PARLEY_INBOUND_SMTP_PORT', env.PARLEY_INBOUND_SMTP_PORT, 0) } : {}),
    ...(env.PARLEY_REPLY_DOMAIN ? { replyDomain: env.PARLEY_REPLY_DOMAIN } : {}),
    ...(env.PARLEY_INBOUND_SECRET ? { inboundSecret: env.PARLEY_INBOUND_SECRET } : {}),
    delaySeconds: int('PARLEY_MAIL_DELAY_SECONDS', env.PARLEY_MAIL_DELAY_SECONDS, 600),
    dailyCap: int('PARLEY_MAIL_DAILY_CAP', env.PARLEY_MAIL_DAILY_CAP, 20),
  };
}
