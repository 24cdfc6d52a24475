import encryption from '@adonisjs/core/services/encryption'
import { column } from '@adonisjs/lucid/orm'

/**
 * A secret at rest (access tokens, app secrets, API keys): encrypted with
 * APP_KEY when written, decrypted when read, never serialized.
 */
export function encryptedColumn() {
  return column({
    serializeAs: null,
    prepare: (value: string | null | undefined) =>
      value === null || value === undefined || value === '' ? null : encryption.encrypt(value),
    consume: (value: string | null) =>
      value === null ? null : (encryption.decrypt<string>(value) ?? null),
  })
}
