/*
| Defaults every new workspace receives, and the plan usage counters,
| contributed by each module.
*/
import { provisioning } from '#core/services/provisioning'
import { provisionDefaultTags } from '#contacts/provisioning'
import { provisionBusinessHours } from '#inbox/provisioning'
import { provisionPredefinedTags } from '#inbox/predefined_tags'
import { provisionSandboxChannel } from '#channels/provisioning'
import { quota } from '#core/services/quota'
import Channel from '#channels/models/channel'

provisioning.register({ name: 'contacts.default_tags', run: provisionDefaultTags })
provisioning.register({ name: 'inbox.business_hours', run: provisionBusinessHours })
provisioning.register({ name: 'inbox.predefined_tags', run: provisionPredefinedTags })
provisioning.register({ name: 'channels.sandbox', run: provisionSandboxChannel })

quota.registerUsage('channels', async () => {
  const [row] = await Channel.query().whereNot('driver', 'sandbox').count('* as total')
  return Number(row.$extras.total)
})
