import { BaseSchema } from '@adonisjs/lucid/schema'
import type { Knex } from 'knex'

/**
 * Base class of every plugin migration. It refuses (with a message naming
 * the plugin) to create, alter, rename or drop a table whose name does not
 * start with `<pluginId>_`, so a plugin cannot touch core tables or
 * another plugin's.
 *
 *   export default class extends PluginSchema {
 *     static pluginId = 'hello'
 *     async up() { this.schema.createTable('hello_notes', (table) => { ... }) }
 *   }
 */
const GUARDED = new Set([
  'createTable',
  'createTableIfNotExists',
  'createTableLike',
  'alterTable',
  'table',
  'dropTable',
  'dropTableIfExists',
  'renameTable',
])

export class PluginTablePrefixError extends Error {}

export abstract class PluginSchema extends BaseSchema {
  static pluginId: string

  get schema(): Knex.SchemaBuilder {
    const builder = super.schema
    const pluginId = (this.constructor as typeof PluginSchema).pluginId
    if (!pluginId) {
      throw new PluginTablePrefixError(
        `${this.file}: a plugin migration must set "static pluginId = '<id>'"`
      )
    }
    return new Proxy(builder, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver)
        if (typeof property !== 'string' || !GUARDED.has(property) || typeof value !== 'function') {
          return value
        }
        return (...args: unknown[]) => {
          const names = property === 'renameTable' ? [args[0], args[1]] : [args[0]]
          for (const name of names) {
            if (typeof name !== 'string' || !name.startsWith(`${pluginId}_`)) {
              throw new PluginTablePrefixError(
                `Plugin "${pluginId}" migration ${this.file}: table "${String(name)}" must be prefixed "${pluginId}_" (plugins only own their prefixed tables)`
              )
            }
          }
          return value.apply(target, args)
        }
      },
    })
  }
}
