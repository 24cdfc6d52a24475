import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/lucid'

/**
 * SQLite is the embedded default; DB_CONNECTION=mysql switches to
 * MySQL 8 / MariaDB 10.11. Every migration runs on both.
 */
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
            conn.run('PRAGMA journal_mode = WAL', (walError: Error | null) => done(walError, conn))
          })
        },
      },
      migrations: {
        naturalSort: true,
        paths: ['database/migrations'],
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
        paths: ['database/migrations'],
      },
      seeders: { paths: ['database/seeders'] },
    },
  },
})

export default dbConfig
