import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import {
  BaseModel,
  beforeCreate,
  beforeDelete,
  beforeFetch,
  beforeFind,
  beforeUpdate,
  column,
} from '@adonisjs/lucid/orm'
import type {
  LucidModel,
  ModelAdapterOptions,
  ModelQueryBuilderContract,
} from '@adonisjs/lucid/types/model'
import { tenancy } from '#core/tenancy/context'

/**
 * The one mixin for tenant-owned models (every table with `workspace_id`).
 *
 * - `Model.query()`, `find*`, relationship queries and preloads are
 *   filtered by the current workspace;
 * - inserts are stamped with it (a different explicit value is refused);
 * - updates and deletes of a row from another workspace are refused;
 * - any of the above with no workspace context throws
 *   `E_TENANT_CONTEXT_MISSING` (fail closed).
 *
 * A lookup of another workspace's row therefore misses (404); the
 * exception handler recognises it and writes `security.cross_tenant_denied`.
 *
 * Only `tenancy.crossTenant()` (audited) lifts the filter.
 */
export function withTenancy<T extends NormalizeConstructor<typeof BaseModel>>(superclass: T) {
  class TenantOwned extends superclass {
    @column({ serializeAs: null })
    declare workspaceId: number

    static isTenantOwned = true

    static scopeToTenant(query: ModelQueryBuilderContract<any>) {
      const context = tenancy.current()
      if (context?.crossTenantReason) return query
      const workspaceId = tenancy.workspaceId()
      return query.where(`${this.table}.workspace_id`, workspaceId)
    }

    static query<Model extends LucidModel, Result = InstanceType<Model>>(
      this: Model,
      options?: ModelAdapterOptions
    ): ModelQueryBuilderContract<Model, Result> {
      const builder = superclass.query.call(this, options) as ModelQueryBuilderContract<any>
      return (this as unknown as typeof TenantOwned).scopeToTenant(builder)
    }

    @beforeFind()
    @beforeFetch()
    static scopeFetch(query: ModelQueryBuilderContract<any>) {
      TenantOwned.scopeOf(query)
    }

    /**
     * Hooks receive relationship and preload queries too; scope them by
     * the model they belong to.
     */
    static scopeOf(query: ModelQueryBuilderContract<any>) {
      const model = query.model as unknown as typeof TenantOwned
      model.scopeToTenant(query)
    }

    @beforeCreate()
    static stampWorkspace(row: TenantOwned) {
      const context = tenancy.current()
      if (context?.crossTenantReason) {
        if (!row.workspaceId) throw new Error('A cross-tenant insert must set workspaceId')
        return
      }
      const workspaceId = tenancy.workspaceId()
      if (row.workspaceId && row.workspaceId !== workspaceId) {
        throw new Error(
          `Refusing to insert a ${row.constructor.name} into workspace ${row.workspaceId} from workspace ${workspaceId}`
        )
      }
      row.workspaceId = workspaceId
    }

    @beforeUpdate()
    @beforeDelete()
    static guardWrite(row: TenantOwned) {
      const context = tenancy.current()
      if (context?.crossTenantReason) return
      if (row.workspaceId !== tenancy.workspaceId()) {
        throw new Error(`Refusing to change a ${row.constructor.name} of another workspace`)
      }
    }
  }
  return TenantOwned
}
