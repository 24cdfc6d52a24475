import db from '@adonisjs/lucid/services/db'

/**
 * One multi-row `INSERT … VALUES (…), (…)` that skips rows hitting a
 * unique key: `ON CONFLICT (…) DO NOTHING` on SQLite, `INSERT IGNORE` on
 * MySQL/MariaDB. Written by hand because the query builder turns a
 * multi-row insert with `onConflict` into a compound SELECT on SQLite,
 * which refuses more than 500 terms; this form takes 1,000+ rows per
 * statement (bound variables stay under SQLite's 32,766).
 */
export async function insertIgnoring(
  table: string,
  rows: Record<string, unknown>[],
  conflict: string[]
) {
  if (!rows.length) return
  const columns = Object.keys(rows[0])
  const connection = db.connection()
  const sqlite = connection.dialect.name.includes('sqlite')
  const quote = (name: string) => (sqlite ? `"${name}"` : `\`${name}\``)
  const tuple = `(${columns.map(() => '?').join(', ')})`
  const bindings: unknown[] = []
  for (const row of rows) for (const column of columns) bindings.push(row[column] ?? null)
  const head = sqlite ? 'INSERT INTO' : 'INSERT IGNORE INTO'
  const tail = sqlite ? ` ON CONFLICT (${conflict.map(quote).join(', ')}) DO NOTHING` : ''
  const sql =
    `${head} ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ` +
    rows.map(() => tuple).join(', ') +
    tail
  await connection.rawQuery(sql, bindings as any[])
}
