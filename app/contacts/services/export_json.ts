/** A JSON column read raw (text on SQLite, text or object on mysql2) as a value. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}
