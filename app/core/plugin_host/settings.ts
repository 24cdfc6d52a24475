import vine from '@vinejs/vine'
import encryption from '@adonisjs/core/services/encryption'
import type { SchemaTypes } from '@vinejs/vine/types'
import type { VineValidator } from '@vinejs/vine'
import PluginActivation from '#core/plugin_host/models/plugin_activation'
import { tenancy } from '#core/tenancy/context'
import { pluginRegistry } from '#core/plugin_host/registry'
import type { SettingsSchema } from '#sdk/plugin'

/**
 * A plugin's settings per workspace. Values are validated with the
 * plugin's VineJS rules; secret fields are encrypted with APP_KEY (purpose
 * `plugin:<id>`) before they are stored and are never sent to the browser:
 * the form only learns whether one is set. An empty secret in a submitted
 * form keeps the stored one.
 */

const validators = new Map<string, VineValidator<any, any>>()

function validatorFor(pluginId: string, schema: SettingsSchema) {
  let validator = validators.get(pluginId)
  if (!validator) {
    const properties: Record<string, SchemaTypes> = {}
    for (const [key, field] of Object.entries(schema)) {
      // Required-ness is checked after merging stored secrets (below).
      properties[key] = (field.rule as any).clone().optional()
    }
    validator = vine.compile(vine.object(properties))
    validators.set(pluginId, validator)
  }
  return validator
}

function schemaOf(pluginId: string): SettingsSchema {
  const record = pluginRegistry.get(pluginId)
  if (!record) throw new Error(`Unknown plugin "${pluginId}"`)
  return record.settings
}

const purpose = (pluginId: string) => `plugin:${pluginId}`

async function stored(pluginId: string, workspaceId: number) {
  return tenancy.run(workspaceId, () =>
    PluginActivation.query().where('plugin_id', pluginId).first()
  )
}

/** Settings with secrets decrypted and defaults applied. */
export async function readSettings<T = Record<string, unknown>>(
  pluginId: string,
  workspaceId: number
): Promise<T> {
  const schema = schemaOf(pluginId)
  const row = await stored(pluginId, workspaceId)
  const values: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(schema)) {
    const raw = row?.settings?.[key]
    if (field.kind === 'secret') {
      values[key] =
        typeof raw === 'string' ? encryption.decrypt<string>(raw, purpose(pluginId)) : null
    } else {
      values[key] = raw ?? field.default ?? null
    }
  }
  return values as T
}

export type SettingsFormField = {
  key: string
  kind: string
  label: string
  help: string | null
  required: boolean
  options: { value: string; label: string }[] | null
  /** Current value; for secrets always null. */
  value: unknown
  /** Secrets only: a value is stored. */
  isSet: boolean
}

/** What the automatic form receives: never a secret's value. */
export async function settingsForm(
  pluginId: string,
  workspaceId: number
): Promise<SettingsFormField[]> {
  const schema = schemaOf(pluginId)
  const row = await stored(pluginId, workspaceId)
  return Object.entries(schema).map(([key, field]) => {
    const raw = row?.settings?.[key]
    const secret = field.kind === 'secret'
    return {
      key,
      kind: field.kind,
      label: field.label,
      help: field.help ?? null,
      required: field.required,
      options: field.options ?? null,
      value: secret ? null : (raw ?? field.default ?? null),
      isSet: secret ? typeof raw === 'string' && raw.length > 0 : false,
    }
  })
}

/**
 * Validate and store. Throws VineJS's ValidationError (HTTP: 422 / errors
 * flashed to the form) for values that break a rule, and for required
 * fields left empty.
 */
export async function updateSettings(
  pluginId: string,
  workspaceId: number,
  input: Record<string, unknown>
): Promise<void> {
  const schema = schemaOf(pluginId)
  const cleaned: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(schema)) {
    const value = input[key]
    if (value === '' || value === null || value === undefined) {
      if (field.kind === 'boolean') cleaned[key] = false
      continue
    }
    cleaned[key] = value
  }
  const valid = (await validatorFor(pluginId, schema).validate(cleaned)) as Record<string, unknown>

  const row = await stored(pluginId, workspaceId)
  const previous = row?.settings ?? {}
  const next: Record<string, unknown> = {}
  const missing: { field: string; message: string; rule: string }[] = []
  for (const [key, field] of Object.entries(schema)) {
    const value = valid[key]
    if (field.kind === 'secret') {
      if (typeof value === 'string' && value.length > 0) {
        next[key] = encryption.encrypt(value, undefined, purpose(pluginId))
      } else if (typeof previous[key] === 'string') {
        next[key] = previous[key]
      }
    } else if (value !== undefined && value !== null && value !== '') {
      next[key] = value
    }
    if (field.required && next[key] === undefined) {
      missing.push({ field: key, message: 'This field is required', rule: 'required' })
    }
  }
  if (missing.length) {
    const { errors } = await import('@vinejs/vine')
    throw new errors.E_VALIDATION_ERROR(missing)
  }

  await tenancy.run(workspaceId, async () => {
    if (row) {
      row.settings = next
      await row.save()
    } else {
      await PluginActivation.create({ pluginId, active: false, settings: next })
    }
  })
}
