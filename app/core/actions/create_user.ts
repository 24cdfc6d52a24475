import { DateTime } from 'luxon'
import User from '#core/models/user'

export type CreateUserInput = {
  email: string
  fullName: string
  password: string | null
  locale?: string
  isSuperAdmin?: boolean
  emailVerified?: boolean
  googleId?: string | null
}

/**
 * Creates a global user. The password is hashed by the model (AuthFinder).
 */
export async function createUser(input: CreateUserInput): Promise<User> {
  return User.create({
    email: input.email,
    fullName: input.fullName.trim(),
    password: input.password,
    locale: input.locale ?? 'en',
    isSuperAdmin: input.isSuperAdmin ?? false,
    googleId: input.googleId ?? null,
    emailVerifiedAt: input.emailVerified ? DateTime.now() : null,
  })
}
