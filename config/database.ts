import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/lucid'
import { installedPluginIds } from '#config/plugins'

/**
 * SQLite is the embedded default; DB_CONNECTION=mysql switches to
 * MySQL 8 / MariaDB 10.11. Every migration runs on both.
 */
/**
 * Core migrations first, then each installed plugin's own folder (in
 * config/plugins.ts order), so `migration:run` and the test setup pick
 * them up. Lucid records each file by path: never move these folders.
 */
const migrationPaths = [
  'database/migrations',
  ...installedPluginIds
    .map((id) => `plugins/${id}/database/migrations`)
    .filter((path) => existsSync(app.makePath(path))),
]

const sqlitePath = app.makePath(env.get('SQLITE_PATH', 'tmp/db.sqlite3'))
mkdirSync(dirname(sqlitePath), { recursive: true })

const dbConfig = defineConfig({
  connection: env.get('DB_CONNECTION', 'sqlite'),
  connections: {
    sqlite: {
      client: 'sqlite3',
      connection: {
        filename: sqlitePath,
      },
      useNullAsDefault: true,
      pool: {
        afterCreate: (conn: any, done: (error: Error | null, conn: any) => void) => {
          // Foreign keys (composite tenant keys among them) must be enforced on SQLite too.
          conn.run('PRAGMA foreign_keys = ON', (error: Error | null) => {
            if (error) return done(error, conn)
            conn.run('PRAGMA journal_mode = WAL', (walError: Error | null) => {
              if (walError) return done(walError, conn)
              // The web and worker processes share the file: wait for the
              // other writer instead of failing at once with SQLITE_BUSY.
              conn.run('PRAGMA busy_timeout = 5000', (busyError: Error | null) =>
                done(busyError, conn)
              )
            })
          })
        },
      },
      migrations: {
        naturalSort: true,
        paths: migrationPaths,
      },
      seeders: { paths: ['database/seeders'] },
    },
    mysql: {
      client: 'mysql2',
      connection: {
        host: env.get('DB_HOST', '127.0.0.1'),
        port: env.get('DB_PORT', 3306),
        user: env.get('DB_USER', 'root'),
        password: env.get('DB_PASSWORD', ''),
        database: env.get('DB_DATABASE', 'parley'),
        charset: 'utf8mb4',
        timezone: 'Z',
        dateStrings: false,
      },
      migrations: {
        naturalSort: true,
        paths: migrationPaths,
      },
      seeders: { paths: ['database/seeders'] },
    },
  },
})

export default dbConfig
