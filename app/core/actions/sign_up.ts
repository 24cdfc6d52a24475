import { createUser } from '#core/actions/create_user'
import { createWorkspace } from '#core/actions/create_workspace'
import { sendEmailVerification } from '#core/actions/email_tokens'

export type SignUpInput = {
  fullName: string
  email: string
  password: string
  workspaceName: string
  workspaceSlug: string
  timezone?: string
  locale?: string
}

/**
 * Self-service sign-up: a user, their provisioned workspace (trial plan),
 * and a verification email.
 */
export async function signUp(input: SignUpInput) {
  const user = await createUser({
    email: input.email,
    fullName: input.fullName,
    password: input.password,
    locale: input.locale,
  })
  try {
    const workspace = await createWorkspace({
      name: input.workspaceName,
      slug: input.workspaceSlug,
      owner: user,
      locale: input.locale,
      timezone: input.timezone,
    })
    await sendEmailVerification(user)
    return { user, workspace }
  } catch (error) {
    await user.delete()
    throw error
  }
}
