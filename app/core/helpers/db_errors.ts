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
