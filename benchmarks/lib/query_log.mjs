/**
 * Preloaded into Parley's web process (`node --import`) when a benchmark
 * wants to see the SQL behind an endpoint: every query the mysql2 driver
 * runs is appended to the file named by BENCH_QUERY_LOG as one JSON line,
 * `{ ms, sql }`, with the bindings inlined so the statement can be fed to
 * EXPLAIN as is. Touches nothing else: no app code, no server settings.
 */
import { createWriteStream } from 'node:fs'
import { createRequire } from 'node:module'

const target = process.env.BENCH_QUERY_LOG
if (target) {
  const require = createRequire(`${process.cwd()}/package.json`)
  const BaseConnection = require(
    require.resolve('mysql2').replace(/index\.js$/, 'lib/base/connection.js')
  )
  const out = createWriteStream(target, { flags: 'a' })
  const query = BaseConnection.prototype.query
  BaseConnection.prototype.query = function (sql, values, callback) {
    if (typeof callback !== 'function' || typeof values === 'function' || !sql) {
      return query.apply(this, arguments)
    }
    const started = performance.now()
    const text = typeof sql === 'string' ? sql : sql.sql
    const connection = this
    return query.call(this, sql, values, function (...results) {
      let statement = text
      try {
        statement = connection.format(text, values ?? [])
      } catch {}
      out.write(
        `${JSON.stringify({ ms: Number((performance.now() - started).toFixed(2)), sql: statement })}\n`
      )
      return callback.apply(this, results)
    })
  }
}
