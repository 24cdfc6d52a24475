import env from '#start/env'
import type Workspace from '#core/models/workspace'
import { GraphClient, GraphError } from '#channels/meta/graph_client'
import { connectMetaChannel } from '#channels/actions/connect_meta_channel'
import { audit } from '#core/services/audit'
import { fieldError } from '#core/validators/field_error'

export type EmbeddedSignupInput = {
  name: string
  code: string
  wabaId: string
  phoneNumberId: string
  pin: string
}

/**
 * Server side of Meta Embedded Signup, with the platform app: exchange the
 * 30-second code for the customer's business token, subscribe the app to
 * their WABA (no webhooks otherwise), register the number with its
 * two-step PIN, then connect it like a manual channel. Never from the
 * browser: the app secret stays here.
 */
export async function completeEmbeddedSignup(workspace: Workspace, input: EmbeddedSignupInput) {
  const appId = env.get('META_APP_ID')
  const appSecret = env.get('META_APP_SECRET')
  if (!appId || !appSecret) fieldError('code', 'signup_not_configured')

  const graph = new GraphClient()
  const step = async <T>(field: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      if (!(error instanceof GraphError)) throw error
      return fieldError(field, 'signup_failed', {
        reason: error.details ?? error.title ?? error.message,
      })
    }
  }

  const { access_token: token } = await step('code', () =>
    graph.exchangeCode(appId!, appSecret!, input.code)
  )
  await step('wabaId', () => graph.subscribeApp(token, input.wabaId))
  await step('pin', () => graph.registerPhone(token, input.phoneNumberId, input.pin))

  const { channel } = await connectMetaChannel(workspace, {
    name: input.name,
    phoneNumberId: input.phoneNumberId,
    wabaId: input.wabaId,
    accessToken: token,
  })
  await audit({
    action: 'channel.embedded_signup',
    workspaceId: workspace.id,
    target: { type: 'channel', id: channel.publicId },
    after: { wabaId: input.wabaId, phoneNumberId: input.phoneNumberId },
  })
  return channel
}
