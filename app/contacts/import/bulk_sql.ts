import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { RawQueryBindings } from '@adonisjs/lucid/types/querybuilder'

/**
 * Multi-row statements for the contacts import, written as SQL text
 * rather than through the query builder: a 5,000-row batch becomes one
 * INSERT per table instead of knex compiling tens of thousands of
 * bindings (and then mysql2 formatting them again).
 *
 * - MySQL/MariaDB: values are inlined as escaped literals (the same
 *   escaping mysql2 applies to `?` bindings client-side), so a statement
 *   is built with plain string concatenation; a statement holds at most
 *   `MYSQL_ROWS` rows (well under max_allowed_packet).
 * - SQLite: values are bound (`?`), at most `SQLITE_VARIABLES` per
 *   statement.
 */

export type SqlValue = string | number | boolean | null

const MYSQL_ROWS = 5000
const SQLITE_VARIABLES = 30000

const MYSQL_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  '"': '\\"',
  "'": "\\'",
  '\\': '\\\\',
}
// The control characters MySQL string literals escape (\0, \b, \Z…), as mysql2 does.
// eslint-disable-next-line no-control-regex
const MYSQL_SPECIAL = /[\0\b\t\n\r\x1a"'\\]/g
// eslint-disable-next-line no-control-regex
const HAS_SPECIAL = /[\0\b\t\n\r\x1a"'\\]/

/** A value as a MySQL literal (strings escaped as mysql2's client-side formatting does). */
export function mysqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? '1' : '0'
  // Most cells need no escaping: test first, replace only when needed.
  if (!HAS_SPECIAL.test(value)) return `'${value}'`
  return `'${value.replace(MYSQL_SPECIAL, (char) => MYSQL_ESCAPES[char])}'`
}

export function isMysql(client: TransactionClientContract) {
  return !client.dialect.name.includes('sqlite')
}

let mariadb: Promise<boolean> | null = null

/**
 * Whether the MySQL-protocol server is MariaDB (asked once per process):
 * the import then uses `INSERT … RETURNING` and `SET STATEMENT … FOR`,
 * which MySQL does not have.
 */
export function isMariadb(client: TransactionClientContract): Promise<boolean> {
  if (!isMysql(client)) return Promise.resolve(false)
  mariadb ??= client
    .rawQuery('SELECT VERSION() AS version')
    .then((result: any) => /mariadb/i.test(String(result[0][0].version)))
    .catch((error) => {
      mariadb = null
      throw error
    })
  return mariadb
}

/**
 * `INSERT INTO table (columns) VALUES …` + `tail` for every chunk of
 * `rows` (each row's values in `columns` order). `tail` is the conflict
 * clause, written by the caller for the dialect.
 *
 * - `prefix` goes before `INSERT` (MariaDB's `SET STATEMENT … FOR`).
 * - `returning` (MariaDB only): `RETURNING <columns>` is appended and the
 *   rows the statements answer are returned, one per row written, in
 *   `rows` order; without it the result is an empty array.
 */
export async function insertRows<T = never>(
  client: TransactionClientContract,
  table: string,
  columns: readonly string[],
  rows: SqlValue[][],
  tail: string,
  options: { ignore?: boolean; prefix?: string; returning?: readonly string[] } = {}
): Promise<T[]> {
  const returned: T[] = []
  if (!rows.length) return returned
  const mysql = isMysql(client)
  const verb = options.ignore
    ? mysql
      ? 'INSERT IGNORE INTO'
      : 'INSERT OR IGNORE INTO'
    : 'INSERT INTO'
  // Quoted: some column names are reserved words (row_number on MariaDB).
  const quote = mysql ? '`' : '"'
  const head = `${options.prefix ?? ''}${verb} ${table} (${columns.map((column) => `${quote}${column}${quote}`).join(', ')}) VALUES `
  if (options.returning) {
    if (!mysql) throw new Error('RETURNING is used on MariaDB only')
    tail += ` RETURNING ${options.returning.join(', ')}`
  }
  if (mysql) {
    for (let start = 0; start < rows.length; start += MYSQL_ROWS) {
      const end = Math.min(rows.length, start + MYSQL_ROWS)
      const parts: string[] = []
      for (const row of start === 0 && end === rows.length ? rows : rows.slice(start, end)) {
        let text = '('
        let first = true
        for (const value of row) {
          text += first ? mysqlLiteral(value) : `,${mysqlLiteral(value)}`
          first = false
        }
        parts.push(`${text})`)
      }
      const result = await client.rawQuery(`${head}${parts.join(',')}${tail}`)
      if (options.returning) for (const row of result[0] as T[]) returned.push(row)
    }
    return returned
  }
  const perStatement = Math.max(1, Math.floor(SQLITE_VARIABLES / columns.length))
  const placeholder = `(${columns.map(() => '?').join(',')})`
  for (let start = 0; start < rows.length; start += perStatement) {
    const part = rows.slice(start, start + perStatement)
    const bindings: SqlValue[] = []
    for (const row of part) {
      for (const value of row) bindings.push(typeof value === 'boolean' ? Number(value) : value)
    }
    await client.rawQuery(
      `${head}${part.map(() => placeholder).join(',')}${tail}`,
      // Lucid's binding type leaves out null, which knex binds as NULL.
      bindings as unknown as RawQueryBindings
    )
  }
  return returned
}

/**
 * `SELECT <columns> FROM table WHERE workspace_id = ? AND <column> IN (…)`
 * over `keys`, in chunks; the caller's scope is the workspace id.
 */
export async function selectIn<T>(
  client: TransactionClientContract,
  table: string,
  columns: readonly string[],
  workspaceId: number,
  column: string,
  keys: string[]
): Promise<T[]> {
  const result: T[] = []
  if (!keys.length) return result
  const mysql = isMysql(client)
  const size = mysql ? MYSQL_ROWS : SQLITE_VARIABLES - 1
  for (let start = 0; start < keys.length; start += size) {
    const part = keys.slice(start, start + size)
    const sql = `SELECT ${columns.join(', ')} FROM ${table} WHERE workspace_id = ${Number(workspaceId)} AND ${column} IN `
    const found = mysql
      ? await client.rawQuery(`${sql}(${part.map(mysqlLiteral).join(',')})`)
      : await client.rawQuery(`${sql}(${part.map(() => '?').join(',')})`, part)
    // mysql2 answers [rows, fields]; sqlite3 the rows.
    const rows = (mysql ? found[0] : found) as T[]
    for (const row of rows) result.push(row)
  }
  return result
}
