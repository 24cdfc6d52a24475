import vine from '@vinejs/vine'
import i18nManager from '@adonisjs/i18n/services/main'
import { passwordField } from '#core/validators/rules'
import { ALL_PERMISSIONS } from '#core/permissions'

export const profileValidator = vine.compile(
  vine.object({
    fullName: vine.string().trim().minLength(2).maxLength(120),
    locale: vine
      .string()
      .trim()
      .in(() => i18nManager.supportedLocales()),
  })
)

export const passwordValidator = vine.compile(
  vine.object({
    currentPassword: vine.string().maxLength(128),
    password: passwordField(),
  })
)

export const inviteValidator = vine.compile(
  vine.object({
    email: vine.string().trim().toLowerCase().email().maxLength(254),
    roleId: vine.string().trim().maxLength(26),
  })
)

export const changeRoleValidator = vine.compile(
  vine.object({ roleId: vine.string().trim().maxLength(26) })
)

export const roleValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(64),
    description: vine.string().trim().maxLength(255).optional(),
    permissions: vine.array(vine.string().in(ALL_PERMISSIONS)).distinct(),
  })
)
