import { DateTime } from 'luxon'
import { BaseModel, column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import Workspace from '#core/models/workspace'
import { jsonColumn } from '#core/helpers/json_column'

/**
 * A plan: feature flags plus numeric limits. `null` means unlimited.
 * Edited by the super admin; every workspace points at one.
 */
export const PLAN_FEATURES = ['qr_channels', 'campaigns', 'flows', 'api'] as const
export type PlanFeature = (typeof PLAN_FEATURES)[number]

export const PLAN_LIMITS = {
  members: 'maxMembers',
  channels: 'maxChannels',
  contacts: 'maxContacts',
  messages_per_month: 'maxMessagesPerMonth',
  storage_mb: 'maxStorageMb',
  qr_channels: 'maxQrChannels',
} as const
export type PlanLimit = keyof typeof PLAN_LIMITS

export default class Plan extends BaseModel {
  @column({ isPrimary: true })
  declare id: number

  @column()
  declare slug: string

  @column()
  declare name: string

  @column({ consume: (value: unknown) => Boolean(value) })
  declare isTrial: boolean

  @jsonColumn({})
  declare features: Partial<Record<PlanFeature, boolean>>

  @column()
  declare maxMembers: number | null

  @column()
  declare maxChannels: number | null

  @column()
  declare maxContacts: number | null

  @column()
  declare maxMessagesPerMonth: number | null

  @column()
  declare maxStorageMb: number | null

  /** QR-code (unofficial) numbers; they count against maxChannels too. */
  @column()
  declare maxQrChannels: number | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime({ autoCreate: true, autoUpdate: true })
  declare updatedAt: DateTime

  @hasMany(() => Workspace)
  declare workspaces: HasMany<typeof Workspace>

  limit(name: PlanLimit): number | null {
    return this[PLAN_LIMITS[name]]
  }

  hasFeature(feature: PlanFeature): boolean {
    return this.features[feature] === true
  }
}
