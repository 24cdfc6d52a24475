import vine from '@vinejs/vine'

const numericId = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{5,32}$/)

export const connectMetaValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(120),
    phoneNumberId: numericId(),
    wabaId: numericId(),
    accessToken: vine.string().trim().minLength(20).maxLength(1024),
    /** Only for a workspace that brings its own Meta app. */
    appSecret: vine.string().trim().minLength(16).maxLength(128).optional(),
  })
)

export const testConnectionValidator = vine.compile(
  vine.object({
    phoneNumberId: numericId(),
    accessToken: vine.string().trim().minLength(20).maxLength(1024),
  })
)

export const rotateTokenValidator = vine.compile(
  vine.object({ accessToken: vine.string().trim().minLength(20).maxLength(1024) })
)

export const embeddedSignupValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(2).maxLength(120),
    code: vine.string().trim().minLength(4).maxLength(1024),
    wabaId: numericId(),
    phoneNumberId: numericId(),
    pin: vine
      .string()
      .trim()
      .regex(/^\d{6}$/),
  })
)
