import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import db from '@adonisjs/lucid/services/db'
import { BaseModel, beforeCreate, beforeDelete, beforeFetch, beforeFind, beforeUpdate, column } from '@adonisjs/lucid/orm'
import type { ModelQueryBuilderContract } from '@adonisjs/lucid/types/model'
import type { ModelAdapterOptions } from '@adonisjs/lucid/types/model'
import { tenancy } from '#core/tenancy/context'
import { CrossTenantAccessException } from '#core/exceptions/cross_tenant_access_exception'

/**
 * The one mixin for tenant-owned models (every table with `workspace_id`).
 *
 * - `Model.query()`, `find*`, relationship queries and preloads are
 *   filtered by the current workspace;
 * - inserts are stamped with it (a different explicit value is refused);
 * - updates and deletes of a row from another workspace are refused;
 * - any of the above with no workspace context throws
 *   `E_TENANT_CONTEXT_MISSING` (fail closed);
 * - `findOrFail` / `findByOrFail` on a row that exists in another workspace
 *   raise `CrossTenantAccessException` (404 plus an audit row).
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

    static query(options?: ModelAdapterOptions): any {
      return this.scopeToTenant(super.query(options) as ModelQueryBuilderContract<any>)
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

    /**
     * Route-parameter lookups. A miss that exists in another workspace is a
     * cross-tenant attempt: 404 for the caller, an audit row for the owner.
     */
    static async findByOrFail(key: string, value: unknown, options?: ModelAdapterOptions): Promise<any> {
      const row = await this.query(options).where(key, value as any).first()
      if (row) return row
      await this.raiseNotFound(key, value)
    }

    static async findOrFail(value: unknown, options?: ModelAdapterOptions): Promise<any> {
      return this.findByOrFail(this.primaryKey, value, options)
    }

    static async raiseNotFound(key: string, value: unknown): Promise<never> {
      const column = this.$keys.attributesToColumns.get(key, key)
      const owner = await db
        .from(this.table)
        .select('workspace_id')
        .where(column, value as any)
        .first()
      if (owner) {
        throw new CrossTenantAccessException(
          { type: this.table, id: String(value) },
          Number(owner.workspace_id)
        )
      }
      const { errors } = await import('@adonisjs/lucid')
      throw new errors.E_ROW_NOT_FOUND(this)
    }
  }
  return TenantOwned
}
