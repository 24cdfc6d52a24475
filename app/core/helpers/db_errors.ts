/**
 * True for a unique-key violation on SQLite or MySQL/MariaDB.
 */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: string; errno?: number; message?: string } | null
  if (!candidate) return false
  if (candidate.code === 'ER_DUP_ENTRY' || candidate.errno === 1062) return true
  return (
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('SQLITE_CONSTRAINT') &&
    /UNIQUE/i.test(candidate.message ?? '')
  )
}

/**
 * True for errors that a retry of the same statement or transaction can
 * cure: a deadlock or lock-wait timeout (MySQL/MariaDB), a busy database
 * (SQLite, another process writing).
 */
export function isTransientLockError(error: unknown): boolean {
  const candidate = error as { code?: string; errno?: number } | null
  if (!candidate) return false
  return (
    candidate.code === 'ER_LOCK_DEADLOCK' ||
    candidate.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    candidate.errno === 1213 ||
    candidate.errno === 1205 ||
    candidate.code === 'SQLITE_BUSY' ||
    candidate.code === 'SQLITE_LOCKED'
  )
}

/**
 * Transaction options for short write transactions that read ranges:
 * READ COMMITTED on MySQL/MariaDB takes no gap locks, so a worker's
 * locking read does not block the request path's inserts into the same
 * table. SQLite transactions are serializable whatever is asked.
 */
export function lightTransaction(dialect: string) {
  return dialect === 'mysql' ? { isolationLevel: 'read committed' as const } : undefined
}

/**
 * Rows changed by a query builder UPDATE or DELETE: a number on MySQL,
 * a one-element array on SQLite.
 */
export function affectedRows(result: unknown): number {
  if (typeof result === 'number') return result
  if (Array.isArray(result)) return Number(result[0] ?? 0)
  return 0
}
