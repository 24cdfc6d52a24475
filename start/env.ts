/*
|--------------------------------------------------------------------------
| Environment variables
|--------------------------------------------------------------------------
|
| Every variable Parley reads is validated here and documented in the
| README's configuration table and in .env.example.
*/
import { Env } from '@adonisjs/core/env'

export default await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number(),
  HOST: Env.schema.string({ format: 'host' }),
  APP_KEY: Env.schema.string(),
  APP_URL: Env.schema.string.optional(),
  APP_NAME: Env.schema.string.optional(),
  TRUSTED_PROXIES: Env.schema.string.optional(),
  LOG_LEVEL: Env.schema.enum.optional([
    'fatal',
    'error',
    'warn',
    'info',
    'debug',
    'trace',
    'silent',
  ] as const),

  /*
  | Database: SQLite (embedded default) or MySQL / MariaDB.
  */
  DB_CONNECTION: Env.schema.enum.optional(['sqlite', 'mysql'] as const),
  SQLITE_PATH: Env.schema.string.optional(),
  DB_HOST: Env.schema.string.optional({ format: 'host' }),
  DB_PORT: Env.schema.number.optional(),
  DB_USER: Env.schema.string.optional(),
  DB_PASSWORD: Env.schema.string.optional(),
  DB_DATABASE: Env.schema.string.optional(),

  /*
  | Redis: optional. When REDIS_HOST is empty Parley runs without Redis.
  */
  REDIS_HOST: Env.schema.string.optional({ format: 'host' }),
  REDIS_PORT: Env.schema.number.optional(),
  REDIS_PASSWORD: Env.schema.string.optional(),

  /*
  | Sessions and rate limiting
  */
  SESSION_DRIVER: Env.schema.enum.optional(['cookie', 'memory', 'redis'] as const),
  LIMITER_STORE: Env.schema.enum.optional(['database', 'memory', 'redis'] as const),

  /*
  | Mail: SMTP in production, `file` (writes messages to tmp/mails) in development and tests.
  */
  MAIL_MAILER: Env.schema.enum.optional(['smtp', 'file'] as const),
  MAIL_FROM_ADDRESS: Env.schema.string.optional(),
  MAIL_FROM_NAME: Env.schema.string.optional(),
  SMTP_HOST: Env.schema.string.optional(),
  SMTP_PORT: Env.schema.number.optional(),
  SMTP_USERNAME: Env.schema.string.optional(),
  SMTP_PASSWORD: Env.schema.string.optional(),
  SMTP_SECURE: Env.schema.boolean.optional(),

  /*
  | Google sign-in: active only when both values are set.
  */
  GOOGLE_CLIENT_ID: Env.schema.string.optional(),
  GOOGLE_CLIENT_SECRET: Env.schema.string.optional(),

  /*
  | Queue: `database` (default, no service needed) or `redis` (BullMQ).
  */
  QUEUE_DRIVER: Env.schema.enum.optional(['database', 'redis'] as const),
  QUEUE_CONCURRENCY: Env.schema.number.optional(),
  /** `node ace serve` also consumes jobs in-process unless this is false. */
  QUEUE_IN_PROCESS: Env.schema.boolean.optional(),
  // Scheduling priority of `queue:work` (0 = same as the web server, 19 = lowest).
  QUEUE_WORKER_NICE: Env.schema.number.optional(),

  /*
  | Meta WhatsApp Cloud API (platform app). META_GRAPH_URL points tests and
  | demo mode at the bundled simulator.
  */
  META_GRAPH_URL: Env.schema.string.optional(),
  META_API_VERSION: Env.schema.string.optional(),
  META_APP_ID: Env.schema.string.optional(),
  META_APP_SECRET: Env.schema.string.optional(),
  META_VERIFY_TOKEN: Env.schema.string.optional(),
  /** Facebook Login for Business configuration id: turns on Embedded Signup. */
  META_ES_CONFIG_ID: Env.schema.string.optional(),
  META_SIMULATOR_PORT: Env.schema.number.optional(),
  /** Outbound messages per second per channel, shared by all workers. */
  CHANNEL_RATE_LIMIT_MPS: Env.schema.number.optional(),
  /** Campaign dispatch: how long a claimed recipient may stay `sending` without a status webhook. */
  CAMPAIGN_SENDING_GRACE_MS: Env.schema.number.optional(),
  /** Days raw webhook events stay queryable in the admin panel. */
  WEBHOOK_RETENTION_DAYS: Env.schema.number.optional(),

  /*
  | File storage for tenant files (inbound media, imports, exports).
  */
  DRIVE_DISK: Env.schema.enum.optional(['fs', 's3'] as const),
  STORAGE_PATH: Env.schema.string.optional(),
  /** DRIVE_DISK=s3: checked at boot by config/drive.ts (a missing one is named). */
  S3_BUCKET: Env.schema.string.optional(),
  S3_REGION: Env.schema.string.optional(),
  S3_ENDPOINT: Env.schema.string.optional(),
  S3_FORCE_PATH_STYLE: Env.schema.boolean.optional(),
  S3_ACCESS_KEY_ID: Env.schema.string.optional(),
  S3_SECRET_ACCESS_KEY: Env.schema.string.optional(),
  /** Hours a finished contacts export stays downloadable (default 24). */
  EXPORT_LINK_TTL_HOURS: Env.schema.number.optional(),

  /*
  | Sign-up and trial
  */
  SIGNUP_ENABLED: Env.schema.boolean.optional(),
  TRIAL_DAYS: Env.schema.number.optional(),
})
