import vine from '@vinejs/vine'
import { emailAvailable, passwordField, workspaceSlug } from '#core/validators/rules'

export const loginValidator = vine.compile(
  vine.object({
    email: vine.string().trim().email().maxLength(254),
    password: vine.string().maxLength(128),
    remember: vine.boolean().optional(),
  })
)

export const signupValidator = vine.compile(
  vine.object({
    fullName: vine.string().trim().minLength(2).maxLength(120),
    email: vine.string().trim().toLowerCase().email().maxLength(254).use(emailAvailable()),
    password: passwordField(),
    workspaceName: vine.string().trim().minLength(2).maxLength(120),
    workspaceSlug: vine.string().trim().toLowerCase().use(workspaceSlug()),
    timezone: vine.string().trim().maxLength(64).optional(),
    locale: vine.string().trim().maxLength(16).optional(),
  })
)

export const forgotPasswordValidator = vine.compile(
  vine.object({ email: vine.string().trim().toLowerCase().email().maxLength(254) })
)

export const resetPasswordValidator = vine.compile(
  vine.object({ token: vine.string().trim().maxLength(128), password: passwordField() })
)

export const acceptInvitationValidator = vine.compile(
  vine.object({
    fullName: vine.string().trim().minLength(2).maxLength(120).optional(),
    password: passwordField().optional(),
  })
)

export const newWorkspaceValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(120),
    slug: vine.string().trim().toLowerCase().use(workspaceSlug()),
  })
)
