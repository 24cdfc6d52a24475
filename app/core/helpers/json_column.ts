import { column } from '@adonisjs/lucid/orm'

/**
 * The one way to declare a JSON column. SQLite stores JSON as text and
 * mysql2 may hand back either a string or a parsed value; this reads both
 * and always writes a string.
 */
export function jsonColumn<T>(fallback: T, options: { serializeAs?: string | null } = {}) {
  return column({
    ...options,
    prepare: (value: T | null | undefined) =>
      value === null || value === undefined ? null : JSON.stringify(value),
    consume: (value: unknown): T => {
      if (value === null || value === undefined) return fallback
      if (typeof value === 'string') return JSON.parse(value) as T
      return value as T
    },
  })
}
