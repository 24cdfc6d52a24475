import { DateTime } from 'luxon'
import User from '#core/models/user'
import UserToken, { type UserTokenType } from '#core/models/user_token'
import { hashToken, newToken } from '#core/services/tokens'
import { sendActionMail } from '#core/mail/messages'

const LIFETIME: Record<UserTokenType, { minutes: number }> = {
  password_reset: { minutes: 60 },
  email_verification: { minutes: 60 * 48 },
}

async function issue(user: User, type: UserTokenType): Promise<string> {
  // A new link replaces the previous ones of the same kind.
  await UserToken.query()
    .where('user_id', user.id)
    .where('type', type)
    .whereNull('used_at')
    .update({ usedAt: DateTime.now().toSQL({ includeOffset: false }) })
  const { token, hash } = newToken()
  await UserToken.create({
    userId: user.id,
    type,
    tokenHash: hash,
    expiresAt: DateTime.now().plus(LIFETIME[type]),
  })
  return token
}

/**
 * Finds the unused, unexpired token of this type; `null` for a wrong,
 * expired or already used one.
 */
export async function findValidToken(token: string, type: UserTokenType) {
  const row = await UserToken.query()
    .where('token_hash', hashToken(token))
    .where('type', type)
    .preload('user')
    .first()
  if (!row || row.usedAt || row.expiresAt < DateTime.now()) return null
  return row
}

export async function sendPasswordReset(email: string) {
  const user = await User.findBy('email', email.trim().toLowerCase())
  // The answer is the same whether or not the account exists.
  if (!user) return
  const token = await issue(user, 'password_reset')
  await sendActionMail({
    to: user.email,
    locale: user.locale,
    key: 'password_reset',
    path: `/reset-password/${token}`,
  })
}

export async function resetPassword(token: string, password: string): Promise<User | null> {
  const row = await findValidToken(token, 'password_reset')
  if (!row) return null
  row.usedAt = DateTime.now()
  await row.save()
  row.user.password = password
  await row.user.save()
  return row.user
}

export async function sendEmailVerification(user: User) {
  const token = await issue(user, 'email_verification')
  await sendActionMail({
    to: user.email,
    locale: user.locale,
    key: 'verify_email',
    params: { name: user.fullName },
    path: `/verify-email/${token}`,
  })
}

export async function verifyEmail(token: string): Promise<User | null> {
  const row = await findValidToken(token, 'email_verification')
  if (!row) return null
  row.usedAt = DateTime.now()
  await row.save()
  row.user.emailVerifiedAt = row.user.emailVerifiedAt ?? DateTime.now()
  await row.user.save()
  return row.user
}
