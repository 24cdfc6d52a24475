import vine from '@vinejs/vine'
import { PLAN_FEATURES } from '#core/models/plan'

export const suspendValidator = vine.compile(
  vine.object({ reason: vine.string().trim().minLength(3).maxLength(255) })
)

export const changePlanValidator = vine.compile(vine.object({ planId: vine.number().positive() }))

const limit = () => vine.number().min(0).withoutDecimals().nullable()

export const planValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(120),
    features: vine.object(
      Object.fromEntries(PLAN_FEATURES.map((feature) => [feature, vine.boolean()])) as Record<
        (typeof PLAN_FEATURES)[number],
        ReturnType<typeof vine.boolean>
      >
    ),
    maxMembers: limit(),
    maxChannels: limit(),
    maxContacts: limit(),
    maxMessagesPerMonth: limit(),
    maxStorageMb: limit(),
    maxQrChannels: limit().optional(),
  })
)
