import { newUlid } from '#core/helpers/ulid'
import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import { BaseModel, beforeCreate, column } from '@adonisjs/lucid/orm'

/**
 * The opaque public id (ULID) of a row whose id leaves the system (URLs,
 * API, widget). The numeric primary key never does.
 */
export function withPublicId<T extends NormalizeConstructor<typeof BaseModel>>(superclass: T) {
  class WithPublicId extends superclass {
    @column()
    declare publicId: string

    @beforeCreate()
    static assignPublicId(row: WithPublicId) {
      row.publicId = row.publicId ?? newUlid()
    }
  }
  return WithPublicId
}
